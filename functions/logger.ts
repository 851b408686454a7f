// One structured JSON logger for every function. Callers pass named fields; nothing here ever
// receives a token, seed, code or API key, and field names that look like one are dropped as a
// second line of defence.

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds these fields (e.g. the request id) to every line. */
  child(fields: LogFields): Logger;
}

const SECRET_FIELD = /token|secret|seed|code[12]?$|password|authorization|api.?key/i;

export function createLogger(
  service: string,
  write: (line: string) => void = (l) => console.log(l),
  base: LogFields = {},
): Logger {
  const emit = (level: string, event: string, fields: LogFields = {}) => {
    const safe: LogFields = {};
    for (const [key, value] of Object.entries({ ...base, ...fields })) {
      if (!SECRET_FIELD.test(key) || key === 'errorCode') safe[key] = value;
    }
    write(JSON.stringify({ time: new Date().toISOString(), level, service, event, ...safe }));
  };
  return {
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
    child: (fields) => createLogger(service, write, { ...base, ...fields }),
  };
}
