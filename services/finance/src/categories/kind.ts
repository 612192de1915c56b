/** Whether a transaction of `type` may go to a category of `kind`: an expense never to an income category, nor income to an expense one. */
export function kindFits(kind: 'expense' | 'income' | 'any', type: string): boolean {
  return kind === 'any' || (type !== 'income' && type !== 'expense') || kind === type;
}
