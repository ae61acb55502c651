// The dashboard's one door to the server: JSON in and out, errors as { code, message } thrown.

/** An API error: the PoaError code and message the server sent. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`)
    this.status = status
    this.code = body?.error?.code ?? 'HTTP'
  }
}

async function request(method, path, body, headers = {}) {
  const init = { method, headers }
  if (body !== undefined) {
    init.body = body instanceof Blob ? body : JSON.stringify(body)
    if (!(body instanceof Blob)) init.headers['content-type'] = 'application/json'
  }
  const response = await fetch(path, init)
  const json = await response.json().catch(() => undefined)
  if (!response.ok) throw new ApiError(response.status, json)
  return json
}

export const getJson = (path) => request('GET', path)
export const postJson = (path, body = {}) => request('POST', path, body)

/** Upload a File's bytes as they are; the server parses them as the CLI's import does. */
/**
 * Upload a JSONL or CSV file as a new version. `shape` names another tool's fields (the CLI's --map,
 * --contributor, --rest): `map` as `content:text, label:category`, `contributor` for a file that names
 * none, `rest: true` to keep the other fields as metadata.
 */
export function uploadRecords(datanet, file, shape = {}) {
  const query = new URLSearchParams({ file: file.name })
  if (shape.map) query.set('map', shape.map.replace(/\s+/g, ''))
  if (shape.contributor) query.set('contributor', shape.contributor.trim())
  if (shape.rest) query.set('rest', 'metadata')
  return request('POST', `/api/datanets/${encodeURIComponent(datanet)}/records?${query}`, file, { 'content-type': 'application/octet-stream' })
}

/** Poll a job until it ends, calling onUpdate with every snapshot; resolves with the last one. */
export async function followJob(id, onUpdate, intervalMs = 400) {
  for (;;) {
    const job = await getJson(`/api/jobs/${id}`)
    onUpdate(job)
    if (job.state === 'done' || job.state === 'failed') return job
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
