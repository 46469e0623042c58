/** The app mark: two patch cables meeting at a jack. Decorative; the name is next to it. */
export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" width="26" height="26" aria-hidden="true" focusable="false">
      <rect x="1" y="1" width="30" height="30" rx="8" className="logo-bg" />
      <path d="M8 11h6a4 4 0 0 1 4 4v2a4 4 0 0 0 4 4h2" className="logo-line" />
      <path d="M8 21h4" className="logo-line" />
      <circle cx="8" cy="11" r="2.2" className="logo-dot" />
      <circle cx="8" cy="21" r="2.2" className="logo-dot" />
      <circle cx="24" cy="21" r="2.2" className="logo-dot" />
    </svg>
  );
}
