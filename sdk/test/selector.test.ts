import { describe, expect, it } from 'vitest';
import { describe as describeEl, isDynamic, selectorFor } from '../src/selector';

const render = (html: string) => {
  document.body.innerHTML = html;
};
const $ = (s: string) => document.querySelector(s)!;
const keep = (h: string) => h;

describe('selector', () => {
  it('prefers a stable id', () => {
    render('<main><div><button id="checkout" class="btn active">Pay</button></div></main>');
    expect(selectorFor($('button'))).toBe('#checkout');
  });

  it('anchors on the nearest ancestor id', () => {
    render('<section id="cart"><ul><li>a</li><li><a href="/x">x</a></li></ul></section>');
    expect(selectorFor($('a'))).toBe('#cart > ul > li:nth-of-type(2) > a');
  });

  it('uses data-crow-id, data-testid, then name', () => {
    render(
      '<div><span data-crow-id="hero-cta">a</span><span data-testid="login">b</span><input name="q"><input name="q"></div>',
    );
    expect(selectorFor($('[data-crow-id]'))).toBe('span[data-crow-id="hero-cta"]');
    expect(selectorFor($('[data-testid]'))).toBe('span[data-testid="login"]');
    // a non-unique name keeps walking up
    expect(selectorFor(document.querySelectorAll('input')[1])).toBe('body > div > input[name="q"]');
  });

  it('ignores dynamic-looking ids and never uses classes', () => {
    render('<div id=":r1:"><div id="ember1234" class="css-1x2y3z Button_root__3xYz1 active"><b>hi</b></div></div>');
    const sel = selectorFor($('b'));
    expect(sel).toBe('body > div > div > b');
    expect(sel).not.toMatch(/css-|ember|active|:r1:/);
  });

  it('gives the same selector for the same element across renders', () => {
    const html = (cls: string, id: string) =>
      `<header><nav><a href="/">Home</a><a class="${cls}" id="${id}" href="/shop">Shop</a></nav></header><main><p>x</p></main>`;
    render(html('css-abc123 is-active', 'mui-48213'));
    const first = selectorFor(document.querySelectorAll('a')[1]);
    render(html('css-zz9y8x', 'mui-77120'));
    const second = selectorFor(document.querySelectorAll('a')[1]);
    expect(first).toBe(second);
    expect(first).toBe('body > header > nav > a:nth-of-type(2)');
    expect(document.querySelector(first)).toBe(document.querySelectorAll('a')[1]);
  });

  it('produces selectors that resolve to the element', () => {
    render('<div><p>a</p><p><span>b</span><span>c</span></p></div><div><p>d</p></div>');
    for (const el of Array.from(document.querySelectorAll('span, p'))) {
      expect(document.querySelector(selectorFor(el))).toBe(el);
    }
  });

  it('detects dynamic tokens', () => {
    for (const t of [':r1:', 'css-1x2y3z', 'sc-bdVaJa', 'ember1234', 'Button_root__3xYz1', 'a1b2c3', 'jsx-123456'])
      expect(isDynamic(t), t).toBe(true);
    for (const t of ['btn', 'btn-primary', 'col-md-12', 'h2', 'nav-item', 'checkout', 'step2'])
      expect(isDynamic(t), t).toBe(false);
  });
});

describe('element description', () => {
  const clean = keep;

  it('describes tag, id, stable classes, role, href, text and data-* attributes', () => {
    render('<a id="buy" class="btn css-1x2y3z" role="button" href="/buy" data-plan="pro">  Buy   <b>now</b> </a>');
    const info = describeEl($('a'), clean);
    expect(info).toMatchObject({
      selector: '#buy',
      tag: 'a',
      id: 'buy',
      classes: ['btn'],
      role: 'button',
      text: 'Buy now',
      attributes: { 'data-plan': 'pro' },
    });
    expect(info.href).toMatch(/\/buy$/);
  });

  it('truncates text to 100 characters', () => {
    render(`<p>${'word '.repeat(100)}</p>`);
    expect(describeEl($('p'), clean).text!.length).toBeLessThanOrEqual(100);
  });

  it('never includes an input value', () => {
    render(
      '<div id="w"><input id="i" value="s3cret-value"><textarea id="t">s3cret-text</textarea><select id="s"><option>s3cret-opt</option></select>Label</div>',
    );
    for (const s of ['#i', '#t', '#s', '#w']) {
      const json = JSON.stringify(describeEl($(s), clean));
      expect(json).not.toContain('s3cret');
    }
    expect(describeEl($('#w'), clean).text).toBe('Label');
  });

  it('masks data-crow-mask, .crow-mask and password/email/tel inputs', () => {
    render(
      '<div id="a" data-crow-mask>Jane Doe</div><div id="b"><span class="crow-mask">4111 1111</span> card</div><input id="p" type="password"><input id="e" type="email"><input id="tel" type="tel">',
    );
    expect(describeEl($('#a'), clean).text).toBe('***');
    expect(describeEl($('#b'), clean).text).toBe('*** card');
    for (const s of ['#p', '#e', '#tel']) expect(describeEl($(s), clean).text).toBe('***');
  });
});
