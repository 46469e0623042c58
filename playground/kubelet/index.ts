// The kubelet's public surface: the pod network (dialer, port table, redirects), the kubelet itself
// and the listener layer images plug into. See playground/README.md.
export { PodNetwork } from "./network.ts";
export type { Address, Dialer, DialOptions, NetworkChange, PodPorts, PortEntry } from "./network.ts";
export { Kubelet, startKubelet } from "./kubelet.ts";
export type { InitContainerAction, InitContainerContext, KubeletOptions } from "./kubelet.ts";
export { ListenerHost } from "./listeners.ts";
export type { Listener, PortHandler } from "./listeners.ts";
export { defaultNodes, REGION } from "./nodes.ts";
export type { SimNode } from "./nodes.ts";
export { startControlServer } from "./control.ts";
export type { ControlServer } from "./control.ts";
