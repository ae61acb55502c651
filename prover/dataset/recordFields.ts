/** Field names a record object may have. `contentBase64` carries binary content in JSON or CSV. */
export const RECORD_FIELDS = ['contributor', 'content', 'contentBase64', 'label', 'metadata'] as const

export type RecordField = (typeof RECORD_FIELDS)[number]
