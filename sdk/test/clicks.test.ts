import { describe, expect, it, vi } from 'vitest';
import type { CrowEvent } from '../src/index';
import { make, mockFetch, only, sentEvents, useCleanEnvironment } from './helpers';

function click(el: Element, x = 10, y = 10) {
  el.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: x, clientY: y }));
}

async function clicksSent(fetch: ReturnType<typeof mockFetch>, t: { flush(): Promise<void> }): Promise<CrowEvent[]> {
  await vi.advanceTimersByTimeAsync(1100); // dead-click window
  await t.flush();
  return sentEvents(fetch).filter((e) => e.type === 'click');
}

describe('click capture', () => {
  useCleanEnvironment();

  it('captures element, page coordinates and heatmap properties', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ autocapture: only('clicks') });
    document.body.innerHTML = '<button id="go" data-variant="b"><span>Go</span></button>';
    click(document.querySelector('span')!, 40, 20);
    const [c] = await clicksSent(fetch, t);
    expect(c.element).toMatchObject({ selector: '#go', tag: 'button', text: 'Go', attributes: { 'data-variant': 'b' } });
    expect(c.x).toBe(40);
    expect(c.y).toBe(20);
    expect(c.properties).toMatchObject({ vw: window.innerWidth, vh: window.innerHeight });
    for (const k of ['rel_x', 'rel_y', 'page_w', 'page_h']) expect(typeof c.properties![k]).toBe('number');
  });

  it('skips data-crow-ignore subtrees', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ autocapture: only('clicks') });
    document.body.innerHTML = '<div data-crow-ignore><button>secret</button></div><button id="ok">ok</button>';
    click(document.querySelector('[data-crow-ignore] button')!);
    click(document.getElementById('ok')!, 300, 300);
    const sent = await clicksSent(fetch, t);
    expect(sent.map((c) => (c.element as any).selector)).toEqual(['#ok']);
  });

  it('never sends an input value', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ autocapture: only('clicks') });
    document.body.innerHTML = '<form><input id="q" value="my-secret-search"><input type="submit" value="my-secret-label"></form>';
    const q = document.getElementById('q') as HTMLInputElement;
    q.value = 'typed-secret';
    click(q);
    click(document.querySelector('[type=submit]')!, 200, 200);
    await clicksSent(fetch, t);
    const raw = fetch.mock.calls.map((c) => c[1].body).join('');
    expect(raw).toContain('"type":"click"');
    expect(raw).not.toMatch(/secret/);
  });
});

describe('rage clicks', () => {
  useCleanEnvironment();

  it('flags the 3rd click within 1000 ms and 30 px', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ autocapture: only('clicks') });
    document.body.innerHTML = '<div id="box">box</div>';
    const box = document.getElementById('box')!;
    click(box, 100, 100);
    vi.advanceTimersByTime(300);
    click(box, 110, 105);
    vi.advanceTimersByTime(300);
    click(box, 95, 112);
    const sent = await clicksSent(fetch, t);
    expect(sent.map((c) => !!c.properties!.rage)).toEqual([false, false, true]);
  });

  it('does not flag clicks too slow or too far apart', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ autocapture: only('clicks') });
    document.body.innerHTML = '<div id="box">box</div>';
    const box = document.getElementById('box')!;
    click(box, 100, 100);
    vi.advanceTimersByTime(600);
    click(box, 100, 100);
    vi.advanceTimersByTime(600); // first click now outside the window
    click(box, 100, 100);
    click(box, 200, 200); // far away
    const sent = await clicksSent(fetch, t);
    expect(sent.some((c) => c.properties!.rage)).toBe(false);
  });

  it('thresholds are configurable', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ autocapture: only('clicks'), rageClick: { count: 2, ms: 200, px: 5 } });
    document.body.innerHTML = '<div id="box">box</div>';
    const box = document.getElementById('box')!;
    click(box, 10, 10);
    vi.advanceTimersByTime(100);
    click(box, 12, 12);
    const sent = await clicksSent(fetch, t);
    expect(sent.map((c) => !!c.properties!.rage)).toEqual([false, true]);
  });

  it('data-crow-no-rage on the element or an ancestor disables detection', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ autocapture: only('clicks') });
    document.body.innerHTML = '<div data-crow-no-rage><button id="inc">+</button></div>';
    const b = document.getElementById('inc')!;
    for (let i = 0; i < 5; i++) click(b, 10, 10);
    const sent = await clicksSent(fetch, t);
    expect(sent).toHaveLength(5);
    expect(sent.some((c) => c.properties!.rage)).toBe(false);
  });
});

describe('dead clicks', () => {
  useCleanEnvironment();

  it('flags a click nothing reacted to within 1 s', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ autocapture: only('clicks') });
    document.body.innerHTML = '<button id="dead">nothing</button><button id="live">toggle</button><button id="net">load</button>';
    document.getElementById('live')!.addEventListener('click', () => {
      document.body.appendChild(document.createElement('p'));
    });
    document.getElementById('net')!.addEventListener('click', () => {
      void window.fetch('/api/items');
    });
    await vi.advanceTimersByTimeAsync(10); // let the render's own mutations be observed first
    click(document.getElementById('dead')!, 10, 10);
    await vi.advanceTimersByTimeAsync(500);
    await t.flush();
    expect(sentEvents(fetch).filter((e) => e.type === 'click')).toHaveLength(0); // held for the window
    await vi.advanceTimersByTimeAsync(600);
    click(document.getElementById('live')!, 200, 10);
    await vi.advanceTimersByTimeAsync(1100);
    click(document.getElementById('net')!, 400, 10);
    const sent = await clicksSent(fetch, t);
    const dead = Object.fromEntries(sent.map((c) => [(c.element as any).id, !!c.properties!.dead]));
    expect(dead).toEqual({ dead: true, live: false, net: false });
  });

  it('a navigation is a reaction', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ autocapture: only('clicks') });
    document.body.innerHTML = '<a id="nav" href="/next">next</a>';
    const a = document.getElementById('nav')!;
    a.addEventListener('click', (e) => {
      e.preventDefault();
      history.pushState(null, '', '/next');
    });
    click(a);
    const [c] = await clicksSent(fetch, t);
    expect(c.properties!.dead).toBeUndefined();
    expect(c.url).toBe('http://localhost:3000/'); // the page the click happened on
  });
});
