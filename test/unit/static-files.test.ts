import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTypeOf, resolveInside } from '../../electron/host/static-files';

describe('renderer static files', () => {
  const root = path.resolve('/srv/renderer');

  it('maps paths inside the folder and the root to index.html', () => {
    expect(resolveInside(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveInside(root, '/assets/app.js')).toBe(path.join(root, 'assets', 'app.js'));
  });

  it('refuses every way out of the folder', () => {
    for (const evil of ['/../secret', '/%2e%2e/secret', '/assets/../../etc/passwd', '/..%2fetc%2fpasswd', '/%E0%A4%A', '/../renderer-other/x']) {
      expect(resolveInside(root, evil), evil).toBeUndefined();
    }
  });

  it('names content types and falls back to octet-stream', () => {
    expect(contentTypeOf('index.html')).toMatch(/^text\/html/);
    expect(contentTypeOf('a.JS')).toMatch(/^text\/javascript/);
    expect(contentTypeOf('blob.bin')).toBe('application/octet-stream');
  });
});
