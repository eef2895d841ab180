// WWW-Authenticate parsing (RFC 9110 §11.6.1), lenient in the ways real registries need:
// several challenges on one line, commas inside quoted strings, escaped quotes, unquoted values
// that contain `:` and `/`, any case for scheme and parameter names, whitespace around `=`.

export interface AuthChallenge {
  /** Lower-cased: `bearer`, `basic`, ... */
  scheme: string;
  /** Parameter names lower-cased; values unquoted and unescaped. The first occurrence of a name wins. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge has no parameters. */
  token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.pos);
  }

  skipSpace(): void {
    while (!this.done && (this.peek() === ' ' || this.peek() === '\t')) this.pos++;
  }

  skipSpaceAndCommas(): void {
    while (!this.done && (this.peek() === ' ' || this.peek() === '\t' || this.peek() === ',')) this.pos++;
  }

  token(): string {
    const start = this.pos;
    while (!this.done && TCHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** A quoted string (cursor on the opening quote); an unterminated one runs to the end. */
  quoted(): string {
    this.pos++;
    let out = '';
    while (!this.done) {
      const ch = this.peek();
      this.pos++;
      if (ch === '"') return out;
      if (ch === '\\' && !this.done) {
        out += this.peek();
        this.pos++;
      } else {
        out += ch;
      }
    }
    return out;
  }

  /** An unquoted value: everything up to a comma or whitespace (lenient: `realm=https://x/token`). */
  bare(): string {
    const start = this.pos;
    while (!this.done && !/[,\s]/.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
}

export function parseWwwAuthenticate(header: string | readonly string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const lines = typeof header === 'string' ? [header] : header;
  return lines.flatMap(parseLine);
}

function parseLine(line: string): AuthChallenge[] {
  const c = new Cursor(line);
  const challenges: AuthChallenge[] = [];
  for (;;) {
    c.skipSpaceAndCommas();
    if (c.done) break;
    const scheme = c.token();
    if (!scheme) {
      c.pos++; // not a token character: skip it rather than give up on the rest of the line
      continue;
    }
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);

    c.skipSpace();
    const token68 = readToken68(c);
    if (token68 !== undefined) {
      challenge.token68 = token68;
      continue;
    }
    // auth-params, separated by commas, until something that is not `name=` starts the next challenge.
    for (;;) {
      c.skipSpaceAndCommas();
      if (c.done) break;
      const itemStart = c.pos;
      const name = c.token();
      c.skipSpace();
      if (!name || c.peek() !== '=') {
        c.pos = itemStart;
        break;
      }
      c.pos++; // '='
      c.skipSpace();
      const value = c.peek() === '"' ? c.quoted() : c.bare();
      const key = name.toLowerCase();
      if (!(key in challenge.params)) challenge.params[key] = value;
    }
  }
  return challenges;
}

/** `Scheme token68`: a token68 directly followed by the end of the line or a comma. */
function readToken68(c: Cursor): string | undefined {
  const rest = c.text.slice(c.pos);
  const candidate = TOKEN68.exec(rest)?.[0];
  if (candidate === undefined) return undefined;
  const after = rest.slice(candidate.length).trimStart();
  if (after !== '' && !after.startsWith(',')) return undefined;
  c.pos += candidate.length;
  return candidate;
}

/** The challenge the proxy can answer, preferring Bearer (token) over Basic. */
export function selectChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | undefined {
  return challenges.find((ch) => ch.scheme === 'bearer' && ch.params.realm) ?? challenges.find((ch) => ch.scheme === 'basic');
}

/** The scopes a Bearer challenge asks for (space-separated in one `scope` parameter). */
export function challengeScopes(challenge: AuthChallenge): string[] {
  return (challenge.params.scope ?? '').split(/\s+/).filter((s) => s !== '');
}
