import { currencyExponent } from '@expensio/common';
import { RE2JS } from 're2js';
import { kindFits } from '../categories/kind.js';
import type { Condition } from './conditions.js';

/**
 * Deciding what rules do to one transaction, with no database. Regular expressions run on RE2
 * (re2js, pure JavaScript): matching is linear in the input, so no pattern can hang the server the
 * way `(a+)+$` does a backtracking engine, and no time limit is needed.
 */

/** What a rule is tested against: the transaction as the request (or file row) gave it. */
export interface Candidate {
  accountId: string;
  type: string;
  amount: bigint;
  currency: string;
  description: string | null;
  merchant: string | null;
}

export interface RuleActions {
  /** `kind` as the category's: an expense never takes an income category, nor income an expense one. */
  category: { id: string; slug: string; kind: 'expense' | 'income' | 'any' } | null;
  merchant: string | null;
  addTags: string[];
  /** Make what matches one leg of a transfer with this account (see transfers/by-rule.ts). */
  transferToAccountId: string | null;
}

export interface RuleDefinition {
  id: string;
  conditions: Condition[];
  actions: RuleActions;
}

export interface CompiledRule {
  id: string;
  test: (candidate: Candidate) => boolean;
  actions: RuleActions;
}

/** Throws RE2's syntax error for a pattern it cannot compile (a back-reference, say). */
export function compilePattern(pattern: string): RE2JS {
  return RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
}

/** Compares an amount of `exponent` decimals (minor units) with a decimal string, exactly: -1, 0 or 1. */
function compareScaled(minor: bigint, exponent: number, decimal: string): number {
  const [whole = '0', fraction = ''] = decimal.split('.');
  const scale = Math.max(exponent, fraction.length);
  const left = minor * 10n ** BigInt(scale - exponent);
  const right = BigInt(whole + fraction) * 10n ** BigInt(scale - fraction.length);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Compares an amount in minor units of a currency with a decimal, exactly: -1, 0 or 1. */
export function compareAmount(minor: bigint, currency: string, decimal: string): number {
  return compareScaled(minor, currencyExponent(currency), decimal);
}

/** Compares two decimal strings exactly. */
export function compareDecimals(left: string, right: string): number {
  const [whole = '0', fraction = ''] = left.split('.');
  return compareScaled(BigInt(whole + fraction), fraction.length, right);
}

function textTest(operator: Condition['operator'], value: string): (text: string) => boolean {
  const wanted = value.toLowerCase();
  switch (operator) {
    case 'contains':
      return (text) => text.toLowerCase().includes(wanted);
    case 'equals':
      return (text) => text.toLowerCase() === wanted;
    case 'starts_with':
      return (text) => text.toLowerCase().startsWith(wanted);
    case 'matches': {
      const pattern = compilePattern(value);
      return (text) => pattern.matcher(text).find();
    }
    case 'between':
      return () => false;
  }
}

function conditionTest(condition: Condition): (candidate: Candidate) => boolean {
  const { field, operator, value } = condition;
  if (Array.isArray(value)) {
    const [min, max] = value;
    return (c) => compareAmount(c.amount, c.currency, min) >= 0 && compareAmount(c.amount, c.currency, max) <= 0;
  }
  switch (field) {
    case 'description':
    case 'merchant': {
      const test = textTest(operator, value);
      return (c) => {
        const text = c[field];
        return text !== null && test(text);
      };
    }
    case 'amount':
      return (c) => compareAmount(c.amount, c.currency, value) === 0;
    case 'accountId':
      return (c) => c.accountId.toLowerCase() === value.toLowerCase();
    case 'type':
      return (c) => c.type === value;
  }
}

/** Compiled once per request or import, then tested against every transaction it writes. */
export function compileRule(rule: RuleDefinition): CompiledRule {
  const tests = rule.conditions.map(conditionTest);
  return { id: rule.id, actions: rule.actions, test: (candidate) => tests.every((test) => test(candidate)) };
}

export interface Outcome {
  category?: { id: string; slug: string };
  merchant?: string;
  addTags: string[];
  transferToAccountId?: string;
  /** The rules that matched, in position order. */
  matched: string[];
}

/**
 * Every matching rule applies, in position order, each tested against the transaction as given
 * (what an earlier rule set does not feed a later one's conditions). A field two rules set goes to
 * the one placed first; tags from all of them are added.
 */
export function decide(rules: readonly CompiledRule[], candidate: Candidate): Outcome {
  const outcome: Outcome = { addTags: [], matched: [] };
  for (const rule of rules) {
    if (!rule.test(candidate)) continue;
    outcome.matched.push(rule.id);
    const { category, merchant, addTags, transferToAccountId } = rule.actions;
    if (category !== null && outcome.category === undefined && kindFits(category.kind, candidate.type))
      outcome.category = { id: category.id, slug: category.slug };
    if (transferToAccountId !== null && outcome.transferToAccountId === undefined) outcome.transferToAccountId = transferToAccountId;
    if (merchant !== null && outcome.merchant === undefined) outcome.merchant = merchant;
    for (const tag of addTags) if (!outcome.addTags.includes(tag)) outcome.addTags.push(tag);
  }
  return outcome;
}
