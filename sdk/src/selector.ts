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
const MAX_DEPTH = 12;
const MAX_TEXT = 100;
const MASK = '***';
const MASK_SEL = '[data-crow-mask],.crow-mask';
/** Never read: form controls (their text is their value) and non-visible content. */
const NO_TEXT = /^(INPUT|TEXTAREA|SELECT|OPTION|SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/;
const SENSITIVE_INPUT = /^(password|email|tel)$/;

/**
 * Heuristic for generated tokens: React useId (`:r1:`), CSS-in-JS and CSS modules hashes
 * (`css-1x2y3z`, `Button_root__3xYz1`), framework ids (`ember123`, `mui-42`), long numbers, and
 * random-looking letter/digit mixes (`a1b2c3`).
 */
export function isDynamic(t: string): boolean {
  if (!t || t.length > 40) return true;
  if (/\d{3,}|[:[\]()@{}]|^_|__|^(css|sc|jsx|emotion|svelte|styled|chakra|mui|jss|ng|ember|react|radix|headlessui|tw)-|^ember\d/i.test(t)) {
    return true;
  }
  return !/[-_]/.test(t) && /\d/.test(t.replace(/\d/, '')) && /\d[a-z]|[a-z]\d[a-z]/i.test(t);
}

const esc = (s: string) =>
  typeof CSS !== 'undefined' && CSS.escape ? CSS.escape(s) : s.replace(/([^\w-])/g, '\\$1');

function unique(el: Element, sel: string): boolean {
  try {
    const all = el.ownerDocument.querySelectorAll(sel);
    return all.length === 1 && all[0] === el;
  } catch {
    return false;
  }
}

export function selectorFor(el: Element): string {
  const parts: string[] = [];
  for (let node: Element | null = el, d = 0; node && d < MAX_DEPTH; node = node.parentElement, d++) {
    const tag = node.tagName.toLowerCase();
    if (tag === 'html') break;
    if (node.id && !isDynamic(node.id) && unique(node, '#' + esc(node.id))) {
      parts.unshift('#' + esc(node.id));
      break;
    }
    let part = tag;
    const attr = STABLE_ATTRS.find((a) => {
      const v = node!.getAttribute(a);
      return v && !isDynamic(v);
    });
    if (attr) {
      part += `[${attr}="${node.getAttribute(attr)!.replace(/["\\]/g, '\\$&')}"]`;
      if (unique(node, part)) {
        parts.unshift(part);
        break;
      }
    } else if (tag !== 'body' && node.parentElement) {
      let n = 0;
      let count = 0;
      for (let s: Element | null = node.parentElement.firstElementChild; s; s = s.nextElementSibling) {
        if (s.tagName === node.tagName && ++count && s === node) n = count;
      }
      if (count > 1) part += `:nth-of-type(${n})`;
    }
    parts.unshift(part);
    if (tag === 'body') break;
  }
  return parts.join(' > ');
}

export function isMasked(el: Element): boolean {
  if (el.closest(MASK_SEL)) return true;
  return el.tagName === 'INPUT' && SENSITIVE_INPUT.test((el as HTMLInputElement).type);
}

/** Visible text of a subtree, bounded in length and work; masked subtrees become `***`. */
function textOf(el: Element): string {
  let out = '';
  let budget = 300; // nodes visited at most: a click on <body> must stay cheap
  const walk = (n: Node) => {
    for (let c = n.firstChild; c && out.length < MAX_TEXT && budget-- > 0; c = c.nextSibling) {
      if (c.nodeType === 3) out += c.nodeValue;
      else if (c.nodeType === 1) {
        const e = c as Element;
        if (e.matches(MASK_SEL)) out += ` ${MASK} `;
        else if (!NO_TEXT.test(e.tagName)) walk(e);
      }
    }
  };
  walk(el);
  return out.replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT);
}

/**
 * Describe an element for `event.element`. Never includes a form control's value: inputs, textareas
 * and selects have no text at all (sensitive inputs report `***`), and `value` is never read.
 */
export function describe(el: Element, clean: (href: string) => string, withText = true): ElementInfo {
  const info: ElementInfo = {
    selector: selectorFor(el),
    tag: el.tagName.toLowerCase(),
    classes: [],
  };
  if (el.id) info.id = el.id;
  const cls = el.getAttribute('class');
  if (cls) info.classes = cls.split(/\s+/).filter((c) => c && !isDynamic(c)).slice(0, 10);
  const role = el.getAttribute('role');
  if (role) info.role = role;
  const href = el.getAttribute('href');
  if (href) info.href = clean((el as HTMLAnchorElement).href || href);
  if (withText) {
    const masked = isMasked(el);
    const text = masked ? MASK : NO_TEXT.test(el.tagName) ? '' : textOf(el);
    if (text) info.text = text;
  }
  const attrs: Record<string, string> = {};
  let n = 0;
  for (let i = 0; i < el.attributes.length && n < 20; i++) {
    const a = el.attributes[i];
    if (a.name.indexOf('data-') === 0) {
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
