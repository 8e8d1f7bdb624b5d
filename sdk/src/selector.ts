/**
 * Stable CSS selectors and privacy-safe element descriptions.
 *
 * A selector must identify "the same element" across renders and deploys so heatmaps and click
 * reports aggregate correctly. Preference: a stable `#id`, then `data-crow-id` / `data-testid` /
 * `name`, then a `tag:nth-of-type()` path. Classes are never used in the selector: they carry state
 * (`active`, `open`) and build hashes (`css-1x2y3z`) that change between renders.
 */

import type { ElementInfo } from './types';

const STABLE_ATTRS = ['data-crow-id', 'data-testid', 'data-test-id', 'data-cy', 'name'];
const MAX_TEXT = 100;
const MASK = '***';
const MASK_SEL = '[data-crow-mask],.crow-mask';
/** Never read: form controls (their text is their value) and non-visible content. */
const NO_TEXT = /^(INPUT|TEXTAREA|SELECT|OPTION|SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/;

/**
 * Heuristic for generated tokens: React useId (`:r1:`), CSS-in-JS and CSS modules hashes
 * (`css-1x2y3z`, `Button_root__3xYz1`), framework ids (`ember123`, `mui-42`), long numbers, and
 * random-looking letter/digit mixes (`a1b2c3`).
 */
export function isDynamic(t: string | null): boolean {
  return (
    !t ||
    t.length > 40 ||
    /\d{3,}|[:[\]()@{}]|^_|__|^(css|sc|jsx|emotion|svelte|styled|chakra|mui|jss|ng|ember|react|radix|headlessui|tw)-|^ember\d/i.test(t) ||
    (!/[-_]/.test(t) && /\d/.test(t.replace(/\d/, '')) && /\d[a-z]|[a-z]\d[a-z]/i.test(t))
  );
}

const tagOf = (el: Element) => el.tagName.toLowerCase();

function unique(el: Element, sel: string): boolean {
  try {
    const all = document.querySelectorAll(sel);
    return all.length == 1 && all[0] == el;
  } catch {
    return false;
  }
}

export function selectorFor(el: Element): string {
  const parts: string[] = [];
  for (let node: Element | null = el, d = 0; node && d++ < 12 && node.tagName != 'HTML'; node = node.parentElement) {
    const tag = tagOf(node);
    const id = '#' + CSS.escape(node.id);
    const attr = STABLE_ATTRS.find((a) => !isDynamic(node!.getAttribute(a)));
    let part = tag;
    if (!isDynamic(node.id) && unique(node, id)) part = id;
    else if (attr) part += `[${attr}="${node.getAttribute(attr)!.replace(/["\\]/g, '\\$&')}"]`;
    else {
      const same = [...(node.parentElement?.children || [])].filter((s) => s.tagName == node!.tagName);
      if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
    }
    parts.unshift(part);
    // an id, or a stable attribute that is unique on its own, anchors the path; <body> ends it
    if (part == id || (attr && unique(node, part)) || tag == 'body') break;
  }
  return parts.join(' > ');
}

/** Visible text of a subtree, bounded in length and work; masked subtrees become `***`. */
function textOf(el: Element): string {
  let out = '';
  let budget = 300; // nodes visited at most: a click on <body> must stay cheap
  const walk = (n: Node) => {
    for (let c = n.firstChild; c && out.length < MAX_TEXT && budget-- > 0; c = c.nextSibling) {
      if (c.nodeType == 3) out += c.nodeValue;
      else if (c.nodeType == 1) {
        if ((c as Element).matches(MASK_SEL)) out += ` ${MASK} `;
        else if (!NO_TEXT.test((c as Element).tagName)) walk(c);
      }
    }
  };
  walk(el);
  return out.replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT);
}

/**
 * Describe an element for `event.element`. Never includes a form control's value: inputs, textareas
 * and selects have no text at all (password/email/tel inputs and masked subtrees report `***`), and
 * `value` is never read.
 */
export function describe(el: Element, clean: (href: string) => string, withText = true): ElementInfo {
  const get = (a: string) => el.getAttribute(a);
  const info: ElementInfo = {
    selector: selectorFor(el),
    tag: tagOf(el),
    classes: (get('class') || '')
      .split(/\s+/)
      .filter((c) => !isDynamic(c))
      .slice(0, 10),
  };
  if (el.id) info.id = el.id;
  const role = get('role');
  if (role) info.role = role;
  const href = get('href');
  if (href) info.href = clean((el as HTMLAnchorElement).href || href);
  if (withText) {
    const text =
      el.closest(MASK_SEL) || (el.tagName == 'INPUT' && /^(password|email|tel)$/.test((el as HTMLInputElement).type))
        ? MASK
        : NO_TEXT.test(el.tagName)
          ? ''
          : textOf(el);
    if (text) info.text = text;
  }
  const attrs: Record<string, string> = {};
  let n = 0;
  for (const a of el.attributes) {
    if (n < 20 && a.name.startsWith('data-')) {
      attrs[a.name] = a.value.slice(0, MAX_TEXT);
      n++;
    }
  }
  if (n) info.attributes = attrs;
  return info;
}

/** The element a user meant to click: the nearest actionable ancestor, else the target itself. */
export const ACTIONABLE =
  'a,button,input,select,textarea,label,summary,[role=button],[role=link],[role=menuitem],[role=tab],[role=checkbox],[role=option],[data-crow-id],[onclick]';
