import type { Interface } from "node:readline";

// Ctrl-R in `kvkey shell`: bash's reverse incremental history search, which node:readline lacks.
// readline hands every key to `_ttyWrite`; wrapping it (as Node's own REPL does for its search) lets
// the search see keys first:
//
//   Ctrl-R            start, or find the next older match
//   text, Backspace   change what is searched for (the newest match that contains it is shown)
//   Enter             run the match
//   Ctrl-G, Ctrl-C    give up and restore the line as it was
//   any other key     keep the match on the line for editing, then act as usual (arrows, Ctrl-A, ...)

interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
}

/** The parts of readline's Interface the search drives: public in practice, private in the types. */
interface ReadlineInternals {
  _ttyWrite(s: string | undefined, key: Key | undefined): void;
  _refreshLine(): void;
  line: string;
  cursor: number;
  history: string[];
  getPrompt(): string;
  setPrompt(prompt: string): void;
}

interface SearchState {
  query: string;
  /** Index in readline's history (newest first) of the match shown; -1 before any. */
  index: number;
  failed: boolean;
  prompt: string;
  line: string;
  cursor: number;
}

export function installReverseSearch(rl: Interface): void {
  const r = rl as unknown as ReadlineInternals;
  const ttyWrite = r._ttyWrite.bind(rl);
  let search: SearchState | undefined;

  const show = () => {
    const s = search!;
    const match = s.index >= 0 ? r.history[s.index]! : "";
    r.setPrompt(`(${s.failed ? "failed " : ""}reverse-i-search)\`${s.query}': `);
    r.line = match;
    r.cursor = s.index >= 0 && s.query ? Math.max(0, match.indexOf(s.query)) : match.length;
    r._refreshLine();
  };

  /** Shows the first entry from `from` on (older) that contains the query; keeps the last match if none. */
  const find = (from: number) => {
    const s = search!;
    for (let i = Math.max(0, from); i < r.history.length; i++) {
      if (r.history[i]!.includes(s.query)) {
        s.index = i;
        s.failed = false;
        return show();
      }
    }
    s.failed = true;
    show();
  };

  const leave = (line: string, cursor: number) => {
    const s = search!;
    search = undefined;
    r.setPrompt(s.prompt);
    r.line = line;
    r.cursor = cursor;
    r._refreshLine();
  };

  r._ttyWrite = (s, key) => {
    if (!search) {
      if (key?.ctrl && key.name === "r") {
        search = { query: "", index: -1, failed: false, prompt: r.getPrompt(), line: r.line, cursor: r.cursor };
        show();
        return;
      }
      ttyWrite(s, key);
      return;
    }
    if (key?.ctrl && key.name === "r") return find(search.index + 1);
    if (key?.ctrl && (key.name === "g" || key.name === "c")) return leave(search.line, search.cursor);
    if (key?.name === "backspace") {
      search.query = search.query.slice(0, -1);
      return find(0);
    }
    if (s && !key?.ctrl && !key?.meta && /^[^\x00-\x1f\x7f]+$/.test(s)) {
      search.query += s;
      // The match shown stays while it still contains the longer text, as in bash.
      return find(search.index);
    }
    const match = r.line;
    leave(match, r.cursor);
    ttyWrite(s, key);
  };
}
