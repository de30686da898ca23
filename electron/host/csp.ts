/**
 * The renderer's Content-Security-Policy, the same in Electron and the browser host. No inline
 * script, no eval, nothing remote; `frame-src blob:` only for the sandboxed preview frame, and
 * `connect-src` includes ws: for the browser host's own socket.
 */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self' blob: data:",
  "child-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
