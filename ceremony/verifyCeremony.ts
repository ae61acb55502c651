import { withCurve } from '../prover/proof/curve.ts'
import { CeremonyStateError } from './errors.ts'
import type { StepControl } from './progress.ts'
import { readTranscript } from './transcript.ts'
import { verifyPhase1Chain, verifyPhase2Chain, type ChainReport } from './verifyChain.ts'

export type VerifyCeremonyParameters = { dir: string; /** Re-run snarkjs even on files this machine verified before. */ full?: boolean } & StepControl
export type VerifyCeremonyReturnType = { label: string; chains: ChainReport[]; report: string }

/** Lay out a 128-hex-digit hash as snarkjs prints it: 4 rows of 4 groups of 8, so participants can compare by eye. */
export function formatHash(hash: string, indent = '      '): string {
  const rows: string[] = []
  for (let r = 0; r < 4; r++) rows.push(indent + [0, 1, 2, 3].map((g) => hash.slice(r * 32 + g * 8, r * 32 + g * 8 + 8)).join(' '))
  return rows.join('\n')
}

function render(label: string, chains: ChainReport[]): string {
  const lines: string[] = []
  if (label) lines.push(`ceremony: ${label}`)
  for (const c of chains) {
    const title = c.phase === 1 ? `phase 1: powers of tau 2^${c.power}` : `phase 2: circuit "${c.circuit}"`
    lines.push(`${title}: OK (${c.entries.length} steps; latest ${c.latestFile}, sha256 ${c.latestSha256}${c.cryptoChecked ? '' : '; snarkjs check cached from an earlier verify on this machine'})`)
    for (const e of c.entries) {
      const beacon = e.beacon ? ` beacon ${e.beacon.hash} x 2^${e.beacon.iterationsExp}` : ''
      lines.push(`  #${e.index} ${e.step} by "${e.contributor}" (${e.address}) at ${e.time}${beacon}, signature OK`)
      lines.push(`    ${e.step === 'init' ? 'first challenge hash' : e.step === 'setup' ? 'circuit hash' : 'contribution hash'}:`)
      lines.push(formatHash(e.contributionHash))
    }
  }
  return lines.join('\n')
}

/**
 * Verify every chain of a ceremony folder: phase 1 if present, then phase 2 of each circuit, and
 * render the report a participant compares with the hash their own contribution printed.
 */
export async function verifyCeremony(p: VerifyCeremonyParameters): Promise<VerifyCeremonyReturnType> {
  return withCurve(async () => {
    const transcript = readTranscript(p.dir)
    if (transcript.entries.length === 0) throw new CeremonyStateError({ step: 'verify', dir: p.dir, reason: 'no transcript.json entries: nothing to verify' })
    const chains: ChainReport[] = []
    if (transcript.entries.some((e) => e.phase === 1)) chains.push(await verifyPhase1Chain(p.dir, p))
    const circuits = [...new Set(transcript.entries.filter((e) => e.phase === 2).map((e) => e.circuit!))]
    for (const circuit of circuits) chains.push(await verifyPhase2Chain(p.dir, circuit, p))
    return { label: transcript.label, chains, report: render(transcript.label, chains) }
  })
}
