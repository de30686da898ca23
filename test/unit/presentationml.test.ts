import { describe, expect, it } from 'vitest';
import type { Participant } from '../../electron/core/model/captured';
import { renderPresentationML } from '../../electron/core/convert/presentationml';
import { purifyHtml } from '../../electron/core/convert/sanitize';

const jane: Participant = { userId: '349026222344001', displayName: 'Jane Doe', email: 'jane@acme.example', external: false };
const members = new Map([[jane.userId, jane]]);
const render = (body: string, entities: Record<string, unknown> | string = '', contentIds?: Set<string>) =>
  renderPresentationML(`<div data-format="PresentationML" data-version="2.0">${body}</div>`, typeof entities === 'string' ? entities : JSON.stringify(entities), { members, contentIds });

describe('PresentationML entities', () => {
  it('resolves a mention through EntityJSON to the member\'s current name, and an unknown user to the span text', () => {
    const out = render('Hi <span class="entity" data-entity-id="0">@J</span> and <span class="entity" data-entity-id="1">@Guest User</span>', {
      0: { type: 'com.symphony.user.mention', version: '1.0', id: [{ type: 'com.symphony.user.userId', value: 349026222344001 }] },
      1: { type: 'com.symphony.user.mention', version: '1.0', id: [{ type: 'com.symphony.user.userId', value: '111' }] },
    });
    expect(out.text).toBe('Hi @Jane Doe and @Guest User');
    expect(out.html).toBe('Hi <span class="mention" title="jane@acme.example">@Jane Doe</span> and <span class="mention">@Guest User</span>');
  });

  it('renders hashtags, cashtags (ticker first, any security id otherwise) and emoji', () => {
    const out = render(['h', 'c', 'i', 'e', 'x'].map((k) => `<span class="entity" data-entity-id="${k}">inner-${k}</span>`).join(' '), {
      h: { type: 'org.symphonyoss.taxonomy', id: [{ type: 'org.symphonyoss.taxonomy.hashtag', value: 'rates' }] },
      c: { type: 'org.symphonyoss.fin.security', id: [{ type: 'org.symphonyoss.fin.security.id.isin', value: 'US0378331005' }, { type: 'org.symphonyoss.fin.security.id.ticker', value: 'AAPL' }] },
      i: { type: 'org.symphonyoss.fin.security', id: [{ type: 'org.symphonyoss.fin.security.id.isin', value: 'FR0000131104' }] },
      e: { type: 'com.symphony.emoji', data: { unicode: '🚀', shortcode: 'rocket' } },
      x: { type: 'com.example.unknown', id: [] },
    });
    expect(out.text).toBe('#rates $AAPL $FR0000131104 🚀 inner-x');
    expect(out.html).toContain('<span class="hashtag">#rates</span>');
    expect(out.html).toContain('<span class="cashtag">$AAPL</span>');
  });

  it('keeps the span text when EntityJSON is missing, broken, or names a prototype key', () => {
    const body = '<span class="entity" data-entity-id="0">@Someone</span> <span class="entity" data-entity-id="constructor">#c</span> <span class="entity" data-entity-id="__proto__">#p</span>';
    for (const json of ['', '{not json', '[1,2]', 'null', '{"0": "string"}', '{"0": {"type": "com.symphony.user.mention", "id": "nope"}}']) {
      expect(render(body, json).text, json).toMatch(/^@Someone #c #p$/);
    }
  });
});

describe('PresentationML structure as text', () => {
  it('lists get bullets and numbers, nested lists are indented, ol start is honoured', () => {
    expect(render('<ul><li>a</li><li>b<ol start="4"><li>c</li><li>d<br/>d2</li></ol></li></ul><p>after</p>').text).toBe('• a\n• b\n  4. c\n  5. d\n     d2\n\nafter');
  });

  it('tables become one line per row with cells separated by pipes', () => {
    expect(render('<table><tr><th>A</th><th>B</th></tr><tr><td><p>1</p><p>2</p></td><td>x<br/>y</td></tr></table>').text).toBe('A | B\n1 2 | x y');
  });

  it('links read "text <url>", a bare URL once, mailto without its scheme repeated', () => {
    expect(render('<a href="https://a.example/x">doc</a>, <a href="https://b.example/">https://b.example/</a>, <a href="mailto:d@acme.example">d@acme.example</a>').text)
      .toBe('doc <https://a.example/x>, https://b.example/, d@acme.example');
  });

  it('code blocks keep their whitespace; quotes get "> "; cards keep header and body apart', () => {
    expect(render('<pre>\n  a  b\n\n    c</pre>').text).toBe('  a  b\n\n    c');
    expect(render('<blockquote>quoted<br/>two</blockquote>rest').text).toBe('> quoted\n> two\n\nrest');
    expect(render('<div class="card barStyle"><div class="cardHeader">Head</div><div class="cardBody">Body</div></div>').text).toBe('Head\nBody');
  });

  it('collapses whitespace like a browser and never starts or ends with blank lines', () => {
    expect(render('\n  <p>  a \n\t b  </p>\n\n<p></p><br/><br/>  ').text).toBe('a b');
    expect(render('a<br/><br/>b').text).toBe('a\n\nb');
  });
});

describe('the allow-list', () => {
  it('drops active content whole and unwraps unknown markup', () => {
    const out = render('<script>alert(1)</script><style>p{}</style><p onclick="x()" style="color:red" class="evil" id="i" data-x="1">text</p><font color="red">font</font><custom-el>custom</custom-el><input name="pw" value="secret"><iframe>x</iframe>');
    expect(out.html).toBe('<p>text</p>fontcustom');
    expect(out.text).toBe('text\n\nfontcustom');
  });

  it('renders Symphony Elements and chimes as readable lines, the same in both bodies, never as controls', () => {
    const out = render('<form id="f"><textarea name="c">pw</textarea><select name="s"><option>o</option><option selected="true">p</option></select>' +
      '<button name="b" onclick="x()"><script>x()</script>Go</button><audio src="https://asset.symphony.com/symphony/audio/chime.mp3" autoplay="true"/></form>');
    expect(out.text).toBe('[Text area c: pw]\n[Select s: o, p (selected)]\n[Button: Go]\n[Chime]');
    expect(out.html).toBe('<div><div class="element">[Text area c: pw]</div><div class="element">[Select s: o, p (selected)]</div><div class="element">[Button: Go]</div><div class="element">[Chime]</div></div>');
    expect(render('<audio src="https://evil.example/a.mp3"/>after').text).toBe('after');
  });

  it('keeps links only for http, https and mailto, however the scheme is disguised', () => {
    for (const href of ['javascript:x()', ' JAVASCRIPT:x()', 'java\tscript:x()', 'java&#10;script:x()', '&#106;avascript:x()', 'vbscript:x', 'data:text/html,x', 'file:///etc/passwd', '//evil.example/x', '/relative', 'https:/\\x', 'http://']) {
      const out = render(`<a href="${href}">t</a>`);
      expect(out.html, href).toBe('t');
    }
    expect(render('<a href="HTTPS://Ok.Example/a b">t</a>').html).toBe('<a href="HTTPS://Ok.Example/a%20b">t</a>');
  });

  it('keeps images only as cid: references to the message\'s own parts', () => {
    const own = new Set(['img0.abc@pod.symphony.archive']);
    expect(render('<img src="cid:img0.abc@pod.symphony.archive" alt="chart" onerror="x()"/><img src="cid:other@x"/><img src="https://t.example/p.gif"/><img src="data:image/png;base64,AA"/>', '', own).html)
      .toBe('<img src="cid:img0.abc@pod.symphony.archive" alt="chart">');
  });

  it('survives deep nesting and cut-off input', () => {
    const deep = '<div>'.repeat(5000) + 'deep' + '</div>'.repeat(5000);
    const out = render(deep);
    expect(out.text).toBe('deep');
    expect((out.html.match(/<div>/g) ?? []).length).toBe(64);
    expect(render('<p>cut <b>off <a href="https://x.example/').text).toBe('cut off');
  });

  it('the sanitiser removes what a faulty walker could let through', () => {
    expect(purifyHtml('<p onclick="x()">a</p><script>x()</script><a href="javascript:x()">j</a><img src="https://t.example/p.gif"><iframe src="https://x"></iframe><table border="1"><tr><td colspan="2">c</td></tr></table>'))
      .toBe('<p>a</p><a>j</a><table border="1"><tr><td colspan="2">c</td></tr></table>');
  });
});
