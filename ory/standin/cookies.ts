/** Reading a cookie from a request's Cookie header (Node's headers object). */
export function readCookie(headers: { [name: string]: string | string[] | undefined }, name: string): string | undefined {
  const header = headers.cookie;
  for (const part of (Array.isArray(header) ? header.join(';') : (header ?? '')).split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return value.join('=');
    }
  }
  return undefined;
}
