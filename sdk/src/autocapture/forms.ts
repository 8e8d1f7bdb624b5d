/**
 * Form analytics: submits, per-field focus/blur (with time spent), native validation errors, and
 * abandonment. Field values are never read - except to scrub them out of validation messages, since
 * Chrome echoes the typed value ("'abc' is missing an '@'").
 */

import { ignored, targetOf, type Ctx } from '../module';
import type { Properties } from '../types';

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

const isField = (el: Element): el is Field =>
  /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && (el as Field).type != 'hidden';

const fieldName = (f: Field) => f.name || f.id || '';

export function forms(c: Ctx): void {
  const focusedAt = new WeakMap<Element, number>();
  /** Forms the user started filling in → last focused field. Cleared on submit and at page end. */
  const started = new Map<HTMLFormElement, string>();

  // getAttribute, not f.id / f.action: a field named "id" or "action" shadows those properties.
  const formProps = (f: HTMLFormElement | null): Properties => {
    const get = (a: string) => (f && f.getAttribute(a)) || undefined;
    const action = get('action');
    return { form_id: get('id'), form_name: get('name'), form_action: action && c._clean(action) };
  };
  const fieldProps = (f: Field): Properties => ({
    field_name: fieldName(f),
    field_type: f.type || f.tagName.toLowerCase(),
    ...formProps(f.form),
  });
  const emit = (type: 'form_focus' | 'form_blur' | 'form_submit' | 'form_error', el: Element, properties: Properties) =>
    c._emit(type, properties, { element: c._describe(el, type != 'form_submit') });
  /** Listen for a field event (`invalid` does not bubble: every listener is in the capture phase). */
  const onField = (type: string, handler: (f: Field) => void) =>
    c._on(document, type, (e: Event) => {
      const f = targetOf(e);
      if (f && isField(f) && !ignored(f)) handler(f);
    });

  onField('focusin', (f) => {
    focusedAt.set(f, c._now());
    if (f.form && !ignored(f.form)) started.set(f.form, fieldName(f));
    emit('form_focus', f, fieldProps(f));
  });
  onField('focusout', (f) => {
    const since = focusedAt.get(f);
    focusedAt.delete(f);
    const properties = fieldProps(f);
    if (since != null) properties.duration_ms = Math.max(0, c._now() - since);
    emit('form_blur', f, properties);
  });
  onField('invalid', (f) => {
    const v = f.value;
    const message = f.validationMessage || '';
    emit('form_error', f, { ...fieldProps(f), message: v ? message.split(v).join('***') : message });
  });
  c._on(document, 'submit', (e: Event) => {
    const form = targetOf(e) as HTMLFormElement | null;
    if (!form || form.tagName != 'FORM' || ignored(form)) return;
    started.delete(form);
    emit('form_submit', form, { ...formProps(form), field_count: [...form.elements].filter(isField).length });
  });

  c._ends.push((reason) => {
    if (reason == 'hidden') return; // a hidden tab may come back; abandonment is about leaving
    started.forEach((last, form) =>
      c._emit('custom', { ...formProps(form), last_field: last }, { name: 'form_abandoned', element: c._describe(form, false) }),
    );
    started.clear();
  });
}
