import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { createBridge } from "./bridge.ts";
import { createActions, useSwitchboard } from "./store.ts";
import "./styles.css";

// The browser host's one-time token has become a cookie: keep it out of the address bar and history.
if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname);

const bridge = createBridge();
const actions = createActions(bridge.api);
bridge.api.subscribe((events) => useSwitchboard.getState().apply(events));
bridge.onLink((up) => {
  useSwitchboard.setState({ linkUp: up });
  // Events sent while the link was down are lost: read the state again.
  if (up) void actions.sync();
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App actions={actions} />
  </StrictMode>,
);
