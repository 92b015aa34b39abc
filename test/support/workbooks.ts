import type { NocoRows } from '../../nocodb/client.ts';

/**
 * Gives a workbook its student as staff do in the grid: the student's People row (found by
 * identity, or made) picked in the workbook's Студент column. Returns the People row id.
 */
export async function ownWorkbook(rows: Pick<NocoRows, 'list' | 'insert' | 'link'>, workbookId: number, identityId: string, name = 'Student'): Promise<number> {
  const [found] = await rows.list('people', { where: `(IdentityId,eq,${identityId})`, fields: 'Id', limit: 1 });
  const personId = found?.Id ?? (await rows.insert('people', [{ Name: name, IdentityId: identityId }]))[0]!.Id;
  await rows.link('people', 'Workbooks', personId, [workbookId]);
  return personId;
}
