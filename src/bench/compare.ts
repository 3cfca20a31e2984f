import { parse } from 'csv-parse/sync';

/** Receivable per customer code as "amount CUR", amounts without thousands separators; zeros left out. */
type Receivables = Map<string, string>;

function key(amount: string, currency: string): string | null {
  const plain = amount.replaceAll(',', '');
  return /^-?0*\.?0*$/.test(plain) ? null : `${plain} ${currency}`;
}

/** `owed aging --json`: each customer's total (unapplied cash and credit included). */
export function owedReceivables(json: string): Receivables {
  const report = JSON.parse(json) as { rows: { customer: string | null; currency: string; total: string }[] };
  const out: Receivables = new Map();
  for (const r of report.rows) {
    const k = r.customer === null ? null : key(r.total, r.currency);
    if (k !== null) out.set(r.customer!, k);
  }
  return out;
}

/** `hledger bal ^Assets:Receivable --flat -N -O csv`. */
export function hledgerReceivables(csv: string): Receivables {
  const out: Receivables = new Map();
  for (const r of parse(csv, { columns: true }) as { account: string; balance: string }[]) {
    const m = /^(-?[\d.,]+) ([A-Z]{3})$/.exec(r.balance.trim());
    if (!m) throw new Error(`hledger: a balance that is not one amount: ${r.account} ${r.balance}`);
    const k = key(m[1]!, m[2]!);
    if (k !== null) out.set(r.account.replace(/^Assets:Receivable:/, ''), k);
  }
  return out;
}

/** `ledger bal ^Assets:Receivable --flat --no-total`. */
export function ledgerReceivables(text: string): Receivables {
  const out: Receivables = new Map();
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const m = /^\s*(-?[\d.,]+) ([A-Z]{3})\s{2,}Assets:Receivable:(\S+)$/.exec(line);
    if (!m) throw new Error(`ledger: unexpected line ${JSON.stringify(line)}`);
    const k = key(m[1]!, m[2]!);
    if (k !== null) out.set(m[3]!, k);
  }
  return out;
}

/** "5,000 customers agree with owed aging to the cent", or what differs. */
export function compareReceivables(owed: Receivables, other: Receivables): string {
  const differ = [...new Set([...owed.keys(), ...other.keys()])].filter((c) => owed.get(c) !== other.get(c));
  if (differ.length === 0) return `${owed.size.toLocaleString('en')} customers agree with owed aging to the cent`;
  const first = differ[0]!;
  return `**${differ.length} customers differ** from owed aging (e.g. ${first}: owed ${owed.get(first) ?? 'nothing'}, here ${other.get(first) ?? 'nothing'})`;
}
