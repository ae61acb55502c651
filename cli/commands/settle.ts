import { readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { InvalidArgumentError, Option, type Command } from 'commander'
import { formatEther, parseEther, type Signer } from 'ethers'
import { ProofPackageError } from '../../prover/proof/errors.ts'
import { toSolidityCalldata, type ProofPackage } from '../../prover/proof/proofPackage.ts'
import { toChecksumAddress, toFr } from '../../prover/field/index.ts'
import { ContractNotDeployedError, type PoaChain } from '../../prover/chain/index.ts'
import { claimRewards, recordInference, rewardBalance, settleProofPackage, settlementAt, withdrawRewards } from '../../prover/clients/settlementClient.ts'
import { ensureSettlement } from '../../prover/clients/settlementSetup.ts'
import { verifierCircuitId } from '../../prover/clients/settlementDeploy.ts'
import { verifierContractName } from '../../prover/proof/groth16/verifierGen.ts'
import { compileCircuit } from '../../prover/proof/compileCircuit.ts'
import { CIRCUIT_SETS, CIRCUIT_SET_NAMES, attributionSpec, type CircuitSetName } from '../../prover/proof/circuitParams.ts'
import { ensureDevKeys } from '../../ceremony/devSetup.ts'
import { addChainOptions, withChain, type ChainCliOptions } from './chain.ts'
import { note, printResult, type OutputOptions } from '../output.ts'

type GlobalOptions = OutputOptions & { home: string }
type AccountOption = { account?: string }

function parseBigint(where: string) {
  return (value: string): bigint => {
    if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) throw new InvalidArgumentError(`${where} expected a decimal or 0x-hex integer, got "${value}"`)
    return BigInt(value)
  }
}

function parseOpen(value: string): bigint {
  try {
    const wei = parseEther(value)
    if (wei <= 0n) throw new Error('not positive')
    return wei
  } catch {
    throw new InvalidArgumentError(`expected a positive OPEN amount such as 1.5, got "${value}"`)
  }
}

function parseInferenceId(value: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError(`inference id expected 0x followed by 64 hex digits, got "${value}"`)
  return value.toLowerCase()
}

function parseCircuitId(value: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError(`circuit id expected 0x followed by 64 hex digits (circuit_id.json), got "${value}"`)
  return value.toLowerCase()
}

/** --account: a Hardhat account index on the embedded chain, or a private key. */
function signerOf(chain: PoaChain, account: string | undefined): Signer {
  if (account === undefined) return chain.signer
  return chain.getSigner(/^\d+$/.test(account) ? Number(account) : account)
}

function settlementOf(chain: PoaChain): string {
  const address = chain.deployment.contracts.AttributionSettlement
  if (address === undefined) throw new ContractNotDeployedError({ contract: 'AttributionSettlement (run `poa settlement deploy`)', chainId: chain.chainId, file: chain.deploymentFile })
  return address
}

/** Read a proof package file; its content is checked by the circuit engineer's toSolidityCalldata. */
async function readPackageFile(file: string): Promise<ProofPackage> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ProofPackage
  } catch (cause) {
    throw new ProofPackageError({ field: `(file ${file})`, expected: 'a readable JSON proof package', got: (cause as Error).message })
  }
}

/** Registers: settlement deploy, inference record|show, settle, rewards balance|claim|withdraw. */
export function registerSettleCommands(program: Command): void {
  const settlementCmd = program.command('settlement').description('the proof-gated settlement contract')
  addChainOptions(
    settlementCmd.command('deploy').description('deploy AttributionSettlement and the verifier of a circuit (INSECURE dev keys)')
      .addOption(new Option('--circuit <set>', 'circuit parameter set').choices(CIRCUIT_SET_NAMES).default('tiny')),
  ).action(async (options: ChainCliOptions & { circuit: CircuitSetName }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const spec = attributionSpec(CIRCUIT_SETS[options.circuit])
    const circuit = await compileCircuit(spec, note)
    const keys = await ensureDevKeys(circuit, note)
    await withChain(opts.home, options, async (chain) => {
      const result = await ensureSettlement({ chain, circuits: [{ circuitName: spec.name, zkeyPath: keys.zkeyPath }] })
      printResult(opts, { ...result, circuit: spec.name }, () =>
        [`AttributionSettlement ${result.settlement}`, ...Object.entries(result.verifiers).map(([n, a]) => `verifier ${n} ${a}`)].join('\n'))
    })
  })

  const inference = program.command('inference').description('inferences whose fees await an attribution proof')
  addChainOptions(
    inference.command('record').description('record an inference and escrow its fee in OPEN (as the model host)')
      .requiredOption('--model <id>', 'registered model id', parseBigint('--model'))
      .requiredOption('--query-commitment <field>', 'Poseidon(inputHash, featureHash(phi_q))', parseBigint('--query-commitment'))
      .requiredOption('--fee <OPEN>', 'fee in OPEN, e.g. 10 or 0.5', parseOpen)
      .option('--inference-id <hex32>', 'the inference id (default: random)', parseInferenceId)
      .option('--circuit-id <hex32>', 'the approved circuit whose proof will settle it (default: the id of the deployed verifier of --circuit)', parseCircuitId)
      .addOption(new Option('--circuit <set>', 'circuit parameter set whose deployed verifier names the circuit id').choices(CIRCUIT_SET_NAMES).default('tiny'))
      .option('--permit', 'authorise the fee with an ERC-2612 permit instead of an approve transaction')
      .option('--account <n|key>', 'host account: Hardhat index on the embedded chain, or a private key'),
  ).action(async (options: ChainCliOptions & AccountOption & { model: bigint; queryCommitment: bigint; fee: bigint; inferenceId?: string; circuitId?: string; circuit: CircuitSetName; permit?: boolean }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    toFr(options.queryCommitment, '--query-commitment')
    const inferenceId = options.inferenceId ?? `0x${randomBytes(32).toString('hex')}`
    await withChain(opts.home, options, async (chain) => {
      const settlement = settlementOf(chain)
      const signer = signerOf(chain, options.account)
      const verifierName = verifierContractName(attributionSpec(CIRCUIT_SETS[options.circuit]).name)
      const verifier = chain.deployment.contracts[verifierName]
      if (options.circuitId === undefined && verifier === undefined) throw new ContractNotDeployedError({ contract: verifierName, chainId: chain.chainId, file: chain.deploymentFile })
      const circuitId = options.circuitId ?? await verifierCircuitId({ verifier: verifier!, runner: chain.provider })
      const tx = await recordInference({ settlement, signer, modelId: options.model, inferenceId, circuitId, queryCommitment: options.queryCommitment, feeWei: options.fee, authorization: options.permit ? 'permit' : 'approve' })
      const inf = await (await settlementAt(settlement, chain.provider)).inference(inferenceId)
      // No settlementId here: it binds the prover-fee recipient, which the host does not know (see `inference show --prover`).
      const result = { inferenceId, circuitId, modelId: options.model, feeWei: options.fee, poolWei: inf.pool as bigint, ...tx }
      printResult(opts, result, () => `recorded inference ${inferenceId}: fee ${formatEther(options.fee)} OPEN, contributor pool ${formatEther(result.poolWei)} OPEN (tx ${tx.txHash})`)
    })
  })

  addChainOptions(
    inference.command('show').description('status, fee, pool and commitment of a recorded inference')
      .argument('<inference-id>', 'the inference', parseInferenceId)
      .option('--prover <address>', 'the prover-fee recipient whose settlementId to show (default: the signer, paid when it settles)'),
  ).action(async (inferenceId: string, options: ChainCliOptions & { prover?: string }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const proverOption = options.prover === undefined ? undefined : toChecksumAddress(options.prover, '--prover')
    await withChain(opts.home, options, async (chain) => {
      const prover = proverOption ?? chain.signerAddress
      const contract = await settlementAt(settlementOf(chain), chain.provider)
      const inf = await chain.run('read inference', () => contract.inference(inferenceId))
      const status = (['unknown', 'pending', 'settled', 'refunded'] as const)[Number(inf.status)]
      const result = {
        inferenceId, status, host: inf.host as string, modelId: inf.modelId as bigint, feeWei: inf.fee as bigint, poolWei: inf.pool as bigint,
        queryCommitment: inf.queryCommitment as bigint, circuitId: inf.circuitId as string, recordedAt: Number(inf.recordedAt),
        prover, settlementId: (await chain.run('read settlementIdOf', () => contract.settlementIdOf(inferenceId, prover))) as bigint,
      }
      printResult(opts, result, () => `${inferenceId}: ${status}, model ${result.modelId}, fee ${formatEther(result.feeWei)} OPEN (pool ${formatEther(result.poolWei)}), host ${result.host}`)
    })
  })

  addChainOptions(
    program.command('settle').description('submit a proof package for a pending inference (anyone may; earns the prover fee)')
      .argument('<proof-package>', 'proof package JSON written by `poa prove`')
      .option('--inference-id <hex32>', 'the inference (default: the one named in the package)', parseInferenceId)
      .option('--prover <address>', 'who gets the prover fee; the proof must be made for it (default: the package\'s prover, else the sender)')
      .option('--account <n|key>', 'sender: Hardhat index on the embedded chain, or a private key'),
  ).action(async (file: string, options: ChainCliOptions & AccountOption & { inferenceId?: string; prover?: string }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const pkg = await readPackageFile(file)
    toSolidityCalldata(pkg) // check the package before connecting to the chain
    const inferenceId = options.inferenceId ?? pkg.commitments?.inferenceId
    if (inferenceId === undefined) throw new ProofPackageError({ field: 'commitments.inferenceId', expected: 'the inference id (or pass --inference-id)', got: undefined })
    const prover = options.prover === undefined ? undefined : toChecksumAddress(options.prover, '--prover')
    await withChain(opts.home, options, async (chain) => {
      const result = await settleProofPackage({ settlement: settlementOf(chain), signer: signerOf(chain, options.account), pkg, inferenceId, prover })
      printResult(opts, { inferenceId, ...result }, () =>
        [
          `settled ${inferenceId} in tx ${result.txHash} (${result.gasUsed} gas)`,
          ...result.payouts.map((p) => `  ${p.contributor} ${formatEther(p.amountWei)} OPEN`),
          `  prover ${formatEther(result.proverFeeWei)}, model owner ${formatEther(result.modelOwnerFeeWei)}, treasury ${formatEther(result.treasuryFeeWei)} OPEN (claim with \`poa rewards claim\`)`,
        ].join('\n'))
    })
  })

  const rewards = program.command('rewards').description('credited OPEN: claim, balance, withdraw')
  addChainOptions(
    rewards.command('balance').description('withdrawable OPEN of an account')
      .option('--address <address>', 'whose balance (default: the signer)')
      .option('--account <n|key>', 'signer: Hardhat index on the embedded chain, or a private key'),
  ).action(async (options: ChainCliOptions & AccountOption & { address?: string }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    await withChain(opts.home, options, async (chain) => {
      const account = options.address === undefined ? await signerOf(chain, options.account).getAddress() : toChecksumAddress(options.address, '--address')
      const balanceWei = await rewardBalance({ settlement: settlementOf(chain), runner: chain.provider, account })
      printResult(opts, { account, balanceWei }, () => `${account}: ${formatEther(balanceWei)} OPEN withdrawable`)
    })
  })
  addChainOptions(
    rewards.command('claim').description('credit the payouts and fees of a settled inference to their owners (anyone may)')
      .argument('<inference-id>', 'the settled inference', parseInferenceId)
      .option('--account <n|key>', 'sender: Hardhat index on the embedded chain, or a private key'),
  ).action(async (inferenceId: string, options: ChainCliOptions & AccountOption, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    await withChain(opts.home, options, async (chain) => {
      const tx = await claimRewards({ settlement: settlementOf(chain), signer: signerOf(chain, options.account), inferenceId })
      printResult(opts, { inferenceId, ...tx }, () => `claimed the rewards of ${inferenceId} (tx ${tx.txHash})`)
    })
  })
  addChainOptions(
    rewards.command('withdraw').description('withdraw credited OPEN to the signer')
      .option('--amount <OPEN>', 'how much (default: everything)', parseOpen)
      .option('--account <n|key>', 'signer: Hardhat index on the embedded chain, or a private key'),
  ).action(async (options: ChainCliOptions & AccountOption & { amount?: bigint }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    await withChain(opts.home, options, async (chain) => {
      const signer = signerOf(chain, options.account)
      const tx = await withdrawRewards({ settlement: settlementOf(chain), signer, amountWei: options.amount })
      printResult(opts, { account: await signer.getAddress(), ...tx }, () => `withdrew ${formatEther(tx.amountWei)} OPEN (tx ${tx.txHash})`)
    })
  })
}
