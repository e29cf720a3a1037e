/** A counter or gauge's value from Prometheus text, by name and exact label text (e.g. `result="up"`). */
export function metricValue(text: string, name: string, labels = ''): number | null {
  const line = text.split('\n').find((l) => l.startsWith(labels === '' ? `${name} ` : `${name}{${labels}}`));
  return line === undefined ? null : Number(line.split(' ').at(-1));
}
