/**
 * The document shown in the preview frame. The frame is `sandbox=""` (no scripts, opaque origin,
 * no forms, no top navigation) and the document carries its own CSP that forbids scripts and every
 * remote load, so even markup the converter's sanitiser missed cannot run or call home.
 */
export const PREVIEW_CSP = "default-src 'none'; script-src 'none'; object-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'";

export function previewDocument(html: string, theme: 'light' | 'dark'): string {
  // Outlook shows mail on white whatever the app theme; keep that so colours in the mail stay legible.
  void theme;
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${PREVIEW_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    // Links would replace the preview with an error page; as popups they are simply refused by the sandbox.
    '<base target="_blank">',
    '<style>body{font-family:Calibri,"Segoe UI",Arial,sans-serif;font-size:14px;color:#201f1e;background:#fff;margin:12px;overflow-wrap:anywhere}img{max-width:100%}table{border-collapse:collapse}</style>',
    '</head><body>',
    html,
    '</body></html>',
  ].join('');
}
