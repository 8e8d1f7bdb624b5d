/**
 * Form analytics: submits, per-field focus/blur (with time spent), native validation errors, and
 * abandonment. Field values are never read - except to scrub them out of validation messages, since
 * Chrome echoes the typed value ("'abc' is missing an '@'").
 */

import type { Ctx, EndReason, Module } from '../module';
import { targetOf } from '../module';
import { on, type Cleanup } from '../util';

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

function fieldOf(ctx: Ctx, e: Event): Field | null {
  const t = targetOf(e);
  if (!t || !/^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName) || ctx.ignored(t)) return null;
  const type = (t as HTMLInputElement).type;
  return type === 'hidden' ? null : (t as Field);
}

function formProps(ctx: Ctx, f: HTMLFormElement | null): Record<string, unknown> {
  if (!f) return {};
  // getAttribute, not f.id / f.action: a field named "id" or "action" shadows those properties.
  const action = f.getAttribute('action');
  return {
    form_id: f.getAttribute('id') || undefined,
    form_name: f.getAttribute('name') || undefined,
    form_action: action ? ctx.clean(action) : undefined,
  };
}

const fieldName = (f: Field) => f.name || f.id || '';

function fieldProps(ctx: Ctx, f: Field): Record<string, unknown> {
  return { field_name: fieldName(f), field_type: f.type || f.tagName.toLowerCase(), ...formProps(ctx, f.form) };
}

export function forms(ctx: Ctx): Module {
  const focusedAt = new WeakMap<Element, number>();
  /** Forms the user started filling in → last focused field. Cleared on submit and at page end. */
  const started = new Map<HTMLFormElement, string>();

  const offs: Cleanup[] = [
    on(document, 'focusin', (e: FocusEvent) => {
      const f = fieldOf(ctx, e);
      if (!f) return;
      focusedAt.set(f, ctx.now());
      if (f.form && !ctx.ignored(f.form)) started.set(f.form, fieldName(f));
      ctx.emit({ type: 'form_focus', element: ctx.describe(f), properties: fieldProps(ctx, f) });
    }),
    on(document, 'focusout', (e: FocusEvent) => {
      const f = fieldOf(ctx, e);
      if (!f) return;
      const since = focusedAt.get(f);
      focusedAt.delete(f);
      const properties = fieldProps(ctx, f);
      if (since !== undefined) properties.duration_ms = Math.max(0, ctx.now() - since);
      ctx.emit({ type: 'form_blur', element: ctx.describe(f), properties });
    }),
    on(document, 'submit', (e: SubmitEvent) => {
      const form = targetOf(e) as HTMLFormElement | null;
      if (!form || form.tagName !== 'FORM' || ctx.ignored(form)) return;
      started.delete(form);
      let fields = 0;
      for (let i = 0; i < form.elements.length; i++) {
        const el = form.elements[i] as HTMLInputElement;
        if (/^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el.type !== 'hidden') fields++;
      }
      ctx.emit({
        type: 'form_submit',
        element: ctx.describe(form, false),
        properties: { ...formProps(ctx, form), field_count: fields },
      });
    }),
    // `invalid` does not bubble: listen in the capture phase.
    on(document, 'invalid', (e: Event) => {
      const f = fieldOf(ctx, e);
      if (!f) return;
      let message = f.validationMessage || '';
      const v = f.value;
      if (v) message = message.split(v).join('***');
      ctx.emit({ type: 'form_error', element: ctx.describe(f), properties: { ...fieldProps(ctx, f), message } });
    }),
  ];

  return {
    end(reason: EndReason) {
      if (reason === 'hidden') return; // a hidden tab may come back; abandonment is about leaving
      started.forEach((last, form) => {
        ctx.emit({
          type: 'custom',
          name: 'form_abandoned',
          element: ctx.describe(form, false),
          properties: { ...formProps(ctx, form), last_field: last },
        });
      });
      started.clear();
    },
    stop() {
      offs.forEach((f) => f());
    },
  };
}
