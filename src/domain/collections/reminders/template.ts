import { ValidationError, type Problem } from '../../errors.js';

/**
 * A small subset of Mustache for reminder templates, so a company can replace the wording
 * without code: `{{name}}` inserts a value, `{{#name}}…{{/name}}` shows its content when the value
 * is true or non-empty (once per item for a list), `{{^name}}…{{/name}}` when it is false or
 * empty, `{{! … }}` is a comment. A line holding nothing but a section tag or a comment vanishes
 * whole, so sections can sit on lines of their own. No HTML escaping: the output is plain text.
 *
 * A template file starts with a `Subject: …` line; the message body follows after a blank line.
 */
export type TemplateValue = string | number | boolean | null | undefined | readonly TemplateContext[];
export interface TemplateContext {
  readonly [name: string]: TemplateValue;
}

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly name: string }
  | { readonly kind: 'section'; readonly name: string; readonly inverted: boolean; readonly children: readonly Node[] };

export interface CompiledTemplate {
  readonly subject: readonly Node[];
  readonly body: readonly Node[];
}

const TAG = /\{\{\s*([#^/!]?)\s*([^}]*?)\s*\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const STANDALONE = /^[ \t]*(\{\{\s*[#^/!][^}]*\}\})[ \t]*(?:\r?\n|$)/gm;

function parse(source: string, where: string, known: (name: string) => boolean, problems: Problem[]): Node[] {
  const root: Node[] = [];
  const stack: { name: string; inverted: boolean; children: Node[] }[] = [];
  const current = (): Node[] => stack[stack.length - 1]?.children ?? root;
  let last = 0;
  const text = source.replace(STANDALONE, '$1');
  for (const m of text.matchAll(TAG)) {
    if (m.index > last) current().push({ kind: 'text', text: text.slice(last, m.index) });
    last = m.index + m[0].length;
    const [, sigil = '', name = ''] = m;
    if (sigil === '!') continue;
    if (!NAME.test(name)) {
      problems.push({ field: where, value: m[0], reason: 'is not a placeholder; expected {{name}}, {{#name}}, {{^name}} or {{/name}}' });
      continue;
    }
    if (sigil === '/') {
      const open = stack.pop();
      if (open === undefined || open.name !== name) {
        problems.push({ field: where, value: m[0], reason: open === undefined ? 'closes a section that was not opened' : `closes {{#${open.name}}} with the wrong name` });
        if (open !== undefined) stack.push(open);
        continue;
      }
      current().push({ kind: 'section', name, inverted: open.inverted, children: open.children });
      continue;
    }
    if (!known(name)) problems.push({ field: where, value: `{{${sigil}${name}}}`, reason: 'is not a placeholder reminders know' });
    if (sigil === '#' || sigil === '^') stack.push({ name, inverted: sigil === '^', children: [] });
    else current().push({ kind: 'value', name });
  }
  if (last < text.length) current().push({ kind: 'text', text: text.slice(last) });
  for (const open of stack) problems.push({ field: where, value: `{{#${open.name}}}`, reason: 'is never closed' });
  return root;
}

/**
 * Compiles a template file. `field` names its source in errors (the setting, or the file);
 * `known` says which placeholder names exist. Throws ValidationError listing every problem.
 */
export function compileTemplate(source: string, field: string, known: (name: string) => boolean): CompiledTemplate {
  const lines = source.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n').split('\n');
  const first = /^Subject:[ \t]*(.*)$/i.exec(lines[0] ?? '');
  if (first === null) {
    throw new ValidationError(
      { field, value: lines[0] ?? '', reason: 'a reminder template must start with a "Subject: …" line, then a blank line and the body' },
      'see `owed remind preview --help` for the placeholders',
    );
  }
  const rest = lines.slice(1);
  if (rest[0]?.trim() === '') rest.shift();
  const problems: Problem[] = [];
  const subject = parse(first[1]!, `${field} (subject)`, known, problems);
  const body = parse(rest.join('\n'), field, known, problems);
  if (problems.length > 0) throw new ValidationError(problems, 'see `owed remind preview --help` for the placeholders');
  return { subject, body };
}

function lookup(stack: readonly TemplateContext[], name: string): TemplateValue {
  for (let i = stack.length - 1; i >= 0; i--) {
    const context = stack[i]!;
    if (Object.prototype.hasOwnProperty.call(context, name)) return context[name];
  }
  return undefined;
}

function truthy(value: TemplateValue): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return value !== undefined && value !== null && value !== false && value !== '' && value !== 0;
}

function renderNodes(nodes: readonly Node[], stack: readonly TemplateContext[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'value') {
      const value = lookup(stack, node.name);
      out += value === undefined || value === null || Array.isArray(value) ? '' : String(value);
    } else {
      const value = lookup(stack, node.name);
      if (node.inverted) {
        if (!truthy(value)) out += renderNodes(node.children, stack);
      } else if (Array.isArray(value)) {
        for (const item of value as readonly TemplateContext[]) out += renderNodes(node.children, [...stack, item]);
      } else if (truthy(value)) {
        out += renderNodes(node.children, stack);
      }
    }
  }
  return out;
}

/** Subject on one line; body with at most one blank line in a row, ending in one newline. */
export function renderTemplate(template: CompiledTemplate, context: TemplateContext): { subject: string; text: string } {
  const subject = renderNodes(template.subject, [context]).replace(/\s+/g, ' ').trim();
  const text = renderNodes(template.body, [context])
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '')
    .trimEnd();
  return { subject, text: `${text}\n` };
}
