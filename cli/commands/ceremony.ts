import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { Option, type Command } from 'commander'
import type { AttestationSigner, TranscriptEntry } from '../../ceremony/index.ts'
import { CeremonyInputError } from '../../ceremony/errors.ts'
import { phase1Final } from '../../ceremony/layout.ts'
import { buildLayout, homeLayout } from '../../prover/layout/index.ts'
import { integerOption, type GlobalOptions } from '../options.ts'
import { note, printResult, progressLine } from '../output.ts'

// The ceremony steps load snarkjs (and ethers for the attestation keys): only the actions import them.
const ceremonySteps = () => import('../../ceremony/index.ts')
type CeremonyOptions = { dir?: string; name: string; key?: string; keystore?: string; circuit?: string }

/** The ceremony folder: --dir, else <home>/ceremony. */
function dirOf(cmd: Command): { dir: string; opts: GlobalOptions } {
  const opts = cmd.optsWithGlobals() as GlobalOptions & { dir?: string }
  return { dir: opts.dir ?? homeLayout(opts.home).ceremonyDir, opts }
}

/** The participant's Ethereum key: --key / POA_CEREMONY_KEY, or --keystore with POA_KEYSTORE_PASSWORD. */
async function signerOf(options: CeremonyOptions): Promise<AttestationSigner> {
  const { Wallet } = await import('ethers')
  if (options.keystore !== undefined) {
    const password = process.env.POA_KEYSTORE_PASSWORD
    if (password === undefined) throw new CeremonyInputError({ where: '--keystore', value: options.keystore, expected: 'its password in POA_KEYSTORE_PASSWORD' })
    return Wallet.fromEncryptedJson(readFileSync(options.keystore, 'utf8'), password)
  }
  if (options.key === undefined) throw new CeremonyInputError({ where: '--key', value: '(none)', expected: 'the contributor\'s Ethereum private key (or POA_CEREMONY_KEY, or --keystore) to sign the attestation' })
  try {
    return new Wallet(options.key)
  } catch {
    throw new CeremonyInputError({ where: '--key', value: `${options.key.slice(0, 6)}...`, expected: 'a 32-byte hex private key' })
  }
}

/** Common options of the steps that sign an attestation. */
function signed(command: Command): Command {
  return command
    .option('--dir <dir>', 'ceremony folder (default <home>/ceremony)')
    .requiredOption('--name <name>', 'contributor name written into the file and transcript (1-64 bytes)')
    .addOption(new Option('--key <hex>', 'contributor Ethereum private key, signs the attestation').env('POA_CEREMONY_KEY'))
    .option('--keystore <file>', 'encrypted JSON keystore instead of --key (password in POA_KEYSTORE_PASSWORD)')
}

/** Extra entropy typed by the participant, read from stdin; handed to snarkjs in memory only. */
async function entropyFromStdin(enabled: boolean | undefined): Promise<string | undefined> {
  if (!enabled) return undefined
  if (process.stdin.isTTY) note('type some random text, then Ctrl-D (it is never written to disk):')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function stepResult(opts: GlobalOptions, entry: TranscriptEntry): Promise<void> {
  const { formatHash } = await ceremonySteps()
  printResult(opts, entry, () => [
    `${entry.step} #${entry.index} by "${entry.contributor}" (${entry.address}) -> ${entry.file}`,
    `${entry.step === 'init' ? 'first challenge hash' : entry.step === 'setup' ? 'circuit hash' : 'contribution hash'} (keep it; compare with \`poa ceremony verify\`):`,
    formatHash(entry.contributionHash),
  ].join('\n'))
}

/** <r1cs path> or the name of a circuit compiled under build/circuits/<name>/. */
function r1csOf(circuit: string, buildDir: string | undefined): { r1csPath: string; name: string } {
  if (circuit.endsWith('.r1cs')) {
    if (!existsSync(circuit)) throw new CeremonyInputError({ where: 'circuit', value: circuit, expected: 'an existing .r1cs file' })
    return { r1csPath: circuit, name: basename(circuit, '.r1cs') }
  }
  const r1csPath = buildLayout(buildDir).r1csPath(circuit)
  if (!existsSync(r1csPath)) throw new CeremonyInputError({ where: 'circuit', value: circuit, expected: `an .r1cs path or a compiled circuit name (no ${r1csPath})` })
  return { r1csPath, name: circuit }
}

/** Registers: ceremony init|contribute|beacon|prepare|setup|finalize|export|verify|export-crs|check-crs. */
export function registerCeremonyCommands(program: Command): void {
  const ceremony = program.command('ceremony').description('trusted setup: phase 1 (powers of tau) and phase 2 (per circuit), signed transcript')

  signed(ceremony.command('init').argument('<power>', 'the chain holds 2^power points', integerOption('<power>', 1, 28)).description('phase 1: start a 2^power powers-of-tau chain'))
    .option('--label <text>', 'ceremony label stored in the transcript')
    .action(async (power: number, options: CeremonyOptions & { label?: string }, cmd: Command) => {
      const { dir, opts } = dirOf(cmd)
      const { initPhase1 } = await ceremonySteps()
      await stepResult(opts, await initPhase1({ dir, power, contributor: options.name, signer: await signerOf(options), label: options.label, log: note, onProgress: progressLine('init') }))
    })

  signed(ceremony.command('contribute').description('add a contribution (phase 1, or phase 2 of --circuit) after verifying the file received'))
    .option('--circuit <name>', 'contribute to this circuit\'s phase 2 instead of phase 1')
    .option('--entropy-stdin', 'mix text read from stdin into the OS entropy')
    .action(async (options: CeremonyOptions & { entropyStdin?: boolean }, cmd: Command) => {
      const { dir, opts } = dirOf(cmd)
      const { contributePhase1, contributePhase2 } = await ceremonySteps()
      const base = { dir, contributor: options.name, signer: await signerOf(options), entropyText: await entropyFromStdin(options.entropyStdin), log: note, onProgress: progressLine('contribute') }
      await stepResult(opts, options.circuit === undefined ? await contributePhase1(base) : await contributePhase2({ ...base, circuit: options.circuit }))
    })

  signed(ceremony.command('beacon <hash>').description('apply a public random beacon (e.g. a future block hash), iterated 2^exp times'))
    .option('--circuit <name>', 'apply it to this circuit\'s phase 2 instead of phase 1')
    .option('--iterations <exp>', 'sha256 iterations exponent, 10..63', integerOption('--iterations', 10, 63), 10)
    .action(async (hash: string, options: CeremonyOptions & { iterations: number }, cmd: Command) => {
      const { dir, opts } = dirOf(cmd)
      const { beaconPhase1, beaconPhase2 } = await ceremonySteps()
      const base = { dir, contributor: options.name, signer: await signerOf(options), beaconHash: hash, iterationsExp: options.iterations, log: note, onProgress: progressLine('beacon') }
      await stepResult(opts, options.circuit === undefined ? await beaconPhase1(base) : await beaconPhase2({ ...base, circuit: options.circuit }))
    })

  signed(ceremony.command('prepare').description('phase 1: compute the phase-2 sections (slow: minutes at 2^14)'))
    .action(async (options: CeremonyOptions, cmd: Command) => {
      const { dir, opts } = dirOf(cmd)
      const { preparePhase1 } = await ceremonySteps()
      await stepResult(opts, await preparePhase1({ dir, contributor: options.name, signer: await signerOf(options), log: note, onProgress: progressLine('prepare') }))
    })

  signed(ceremony.command('setup <circuit>').description('phase 2: derive the initial zkey of a circuit (.r1cs path or compiled circuit name)'))
    .option('--as <name>', 'circuit name inside the ceremony (default: the r1cs file name)')
    .option('--ptau <file>', 'prepared ptau to use instead of this ceremony\'s phase 1')
    .action(async (circuit: string, options: CeremonyOptions & { as?: string; ptau?: string }, cmd: Command) => {
      const { dir, opts } = dirOf(cmd)
      const { r1csPath, name } = r1csOf(circuit, opts.buildDir)
      const { setupPhase2 } = await ceremonySteps()
      await stepResult(opts, await setupPhase2({ dir, circuit: options.as ?? name, r1csPath, ptauPath: options.ptau, contributor: options.name, signer: await signerOf(options), log: note, onProgress: progressLine('setup') }))
    })

  signed(ceremony.command('finalize').description('phase 2: verify the circuit\'s chain in full and publish <circuit>_final.zkey'))
    .requiredOption('--circuit <name>', 'circuit to finalize')
    .action(async (options: CeremonyOptions, cmd: Command) => {
      const { dir, opts } = dirOf(cmd)
      const { finalizePhase2 } = await ceremonySteps()
      await stepResult(opts, await finalizePhase2({ dir, circuit: options.circuit!, contributor: options.name, signer: await signerOf(options), log: note, onProgress: progressLine('finalize') }))
    })

  ceremony.command('export').description('phase 2: write verification_key.json, Groth16Verifier.sol and circuit_id.json of a finalized circuit')
    .requiredOption('--circuit <name>', 'finalized circuit')
    .option('--dir <dir>', 'ceremony folder (default <home>/ceremony)')
    .action(async (options: { circuit: string }, cmd: Command) => {
      const { dir, opts } = dirOf(cmd)
      const { exportCircuit } = await ceremonySteps()
      const out = await exportCircuit({ dir, circuit: options.circuit, log: note })
      const { verificationKey: _vk, ...summary } = out
      printResult(opts, summary, () => [`circuit "${out.circuit}" id ${out.circuitId}`, `  ${out.verificationKeyPath}`, `  ${out.solidityVerifierPath}`, `  ${out.circuitIdPath}`].join('\n'))
    })

  ceremony.command('verify').description('verify the whole chain (or one phase) and print the report to compare with your own hash')
    .option('--dir <dir>', 'ceremony folder (default <home>/ceremony)')
    .addOption(new Option('--phase <n>', 'only phase 1, or phase 2 of --circuit').choices(['1', '2']))
    .option('--circuit <name>', 'the circuit for --phase 2')
    .option('--full', 're-run the cryptographic checks even on files this machine verified before')
    .action(async (options: { phase?: string; circuit?: string; full?: boolean }, cmd: Command) => {
      const { dir, opts } = dirOf(cmd)
      const { verifyCeremony, verifyPhase1Chain, verifyPhase2Chain } = await ceremonySteps()
      const { withCurve } = await import('../../prover/proof/curve.ts')
      const control = { full: options.full, log: note, onProgress: progressLine('verify') }
      if (options.phase === undefined) {
        const result = await verifyCeremony({ dir, ...control })
        printResult(opts, { label: result.label, chains: result.chains }, () => result.report)
        return
      }
      if (options.phase === '2' && options.circuit === undefined) throw new CeremonyInputError({ where: '--circuit', value: '(none)', expected: 'the circuit whose phase 2 to verify' })
      const chain = await withCurve(() => (options.phase === '1' ? verifyPhase1Chain(dir, control) : verifyPhase2Chain(dir, options.circuit!, control)))
      printResult(opts, chain, () => `phase ${chain.phase}${chain.circuit ? ` "${chain.circuit}"` : ''}: OK, ${chain.entries.length} steps, latest ${chain.latestFile} sha256 ${chain.latestSha256}\n${chain.entries.map((e) => `  #${e.index} ${e.step} "${e.contributor}" ${e.contributionHash}`).join('\n')}`)
    })

  ceremony.command('export-crs').description('write the Barretenberg CRS (bn254_g1.dat, bn254_g2.dat) from the prepared ptau, with a pairing self-check')
    .option('--dir <dir>', 'ceremony folder (default <home>/ceremony)')
    .option('--ptau <file>', 'prepared ptau (default: this ceremony\'s phase 1 result)')
    .requiredOption('--out <dir>', 'output folder (bb.js crsPath)')
    .option('--points <n>', 'number of G1 points (default: all the ptau holds)', integerOption('--points', 1, 2 ** 28))
    .action(async (options: { ptau?: string; out: string; points?: number }, cmd: Command) => {
      const { dir, opts } = dirOf(cmd)
      const { exportBbCrs, readTranscript } = await ceremonySteps()
      let ptauPath = options.ptau
      if (ptauPath === undefined) {
        const init = readTranscript(dir).entries.find((e) => e.phase === 1 && e.step === 'init')
        if (!init) throw new CeremonyInputError({ where: '--ptau', value: '(none)', expected: `a prepared ptau, or a ceremony in ${dir} with phase 1` })
        ptauPath = join(dir, phase1Final(init.power!))
      }
      const crs = await exportBbCrs({ ptauPath, outDir: options.out, points: options.points, onProgress: progressLine('export-crs') })
      printResult(opts, crs, () => `wrote ${crs.points} G1 points to ${crs.g1Path} and [tau]G2 to ${crs.g2Path}; pairing check OK`)
    })

  ceremony.command('check-crs <dir>').description('pairing self-check of an exported Barretenberg CRS folder')
    .action(async (crsDir: string, _options: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { checkBbCrs } = await ceremonySteps()
      const result = await checkBbCrs({ dir: crsDir })
      printResult(opts, result, () => `${result.points} points; ${result.checked.join('; ')}: OK`)
    })
}
