/**
 * BillingDeps' grant files and seat contacts, for a benchmark that measures neither: any
 * call is an error, so a benchmark that reached them by mistake says so.
 */
export const noGrantFiles = {
  files: { download: () => Promise.reject(new Error('no files in this benchmark')) },
  people: { parseCsv: () => { throw new Error('no people import in this benchmark'); }, importCsv: () => Promise.reject(new Error('no people import in this benchmark')) },
};
