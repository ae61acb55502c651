// Small renderers the tabs share.

/** Escape text for innerHTML. */
export const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])

/** A long hex value or decimal field element as 0x1234abcd…ef12. */
export function short(value) {
  if (value === undefined || value === null) return ''
  let hex = String(value)
  if (/^\d+$/.test(hex)) hex = `0x${BigInt(hex).toString(16)}`
  return hex.length > 18 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex
}

/** Fill a table's tbody with rows of cells (each cell HTML already escaped). */
export function fillTable(table, rows, empty = 'nothing yet') {
  const body = table.querySelector('tbody')
  const columns = table.querySelectorAll('thead th').length
  body.innerHTML = rows.length ? rows.map((cells) => `<tr>${cells.map((c) => `<td${c.startsWith('<span class="mono">') ? ' class="mono"' : ''}>${c}</td>`).join('')}</tr>`).join('') : `<tr><td colspan="${columns}" class="muted">${esc(empty)}</td></tr>`
}

export const mono = (text) => `<span class="mono">${esc(text)}</span>`

/** Show a message (ok or error) in an element. */
export function say(element, text, kind = 'ok') {
  element.textContent = text
  element.className = `message ${kind}`
}
