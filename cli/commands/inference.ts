import { Option, type Command } from 'commander'
import { PROOF_SYSTEM_NAMES, type ProofSystemName } from '../../prover/proof/proofSystemNames.ts'
import { addChainOptions, chainTargetOf, withChain, type ChainCliOptions } from '../chainOptions.ts'
import { accountOption, addressOption, bigintOption, integerOption, circuitAutoOption, circuitSetOf, CliOptionConflictError, exactlyOne, fieldOption, type GlobalOptions, inferenceIdOption, openAmountOption } from '../options.ts'
import { note, printResult } from '../output.ts'

type RecordOptions = ChainCliOptions & { model: bigint; queryCommitment?: bigint; text?: string; file?: string; fee: bigint; class?: string; inferenceId?: string; circuitId?: string; circuit: string; system: ProofSystemName; permit?: boolean; account?: number | string }

/** Registers: inference record|show|save-query. */
export function registerInferenceCommands(program: Command): void {
  const inference = program.command('inference').description('inferences whose fees await an attribution proof')

  addChainOptions(
    inference.command('record').description('record an inference and escrow its fee in OPEN (as the model host)')
      .requiredOption('--model <id>', 'registered model id', bigintOption('--model'))
      .option('--text <text>', 'the query: the host computes and commits it with its copy of the model, and keeps the text in <home>/queries/')
      .option('--file <path>', 'a file holding the query text (UTF-8, exactly as the model sees it)')
      .option('--query-commitment <field>', 'or a commitment computed elsewhere: Poseidon(inputHash, featureHash(phi_q))', fieldOption('--query-commitment'))
      .option('--class <label>', 'the class to attribute, a label or class index (default: the predicted class); the query commitment carries it')
      .requiredOption('--fee <OPEN>', 'fee in OPEN, e.g. 10 or 0.5', openAmountOption('--fee'))
      .option('--inference-id <hex32>', "the inference id: 0x, the host's address, then 24 hex digits (default: 12 random bytes)", inferenceIdOption('--inference-id'))
      .option('--circuit-id <hex32>', 'the approved circuit whose proof will settle it (default: the id of the deployed verifier of --circuit)', inferenceIdOption('--circuit-id'))
      .addOption(circuitAutoOption('circuit parameter set whose deployed verifier names the circuit id'))
      .addOption(new Option('--system <name>', 'proof system of that verifier: groth16 or ultrahonk').choices(PROOF_SYSTEM_NAMES).default('groth16'))
      .option('--permit', 'authorise the fee with an ERC-2612 permit instead of an approve transaction')
      .option('--account <n|key>', 'host account: Hardhat index on the embedded chain, or a private key', accountOption('--account')),
  ).action(async (options: RecordOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    exactlyOne('--text/--file/--query-commitment', options.text ?? options.file, options.queryCommitment)
    if (options.text !== undefined && options.file !== undefined) exactlyOne('--text/--file', options.text, options.file)
    if (options.class !== undefined && options.queryCommitment !== undefined) throw new CliOptionConflictError({ option: '--class', reason: 'needs the query (--text or --file): a given commitment already carries its class' })
    const [{ formatEther }, { readFileSync }, { recordQueryInference }] = await Promise.all([import('ethers'), import('node:fs'), import('../../prover/app/recordQueryInference.ts')])
    const text = options.queryCommitment !== undefined ? undefined : (options.text ?? readFileSync(options.file!, 'utf8'))
    const result = await recordQueryInference({
      home: opts.home, buildDir: opts.buildDir, chain: chainTargetOf(options), modelId: options.model, text, queryCommitment: options.queryCommitment, target: options.class, feeWei: options.fee,
      inferenceId: options.inferenceId, circuitId: options.circuitId, circuitSet: circuitSetOf(options.circuit), system: options.system, permit: options.permit, account: options.account,
    })
    // No settlementId here: it binds the prover-fee recipient, which the host does not know (see `inference show --prover`).
    printResult(opts, result, () =>
      `recorded inference ${result.inferenceId} of model ${result.modelId}${result.localModel ? ` ("${result.localModel}" answers ${result.prediction!.label}, attributes ${result.target!.label})` : ''}: ` +
      `fee ${formatEther(result.feeWei)} OPEN, contributor pool ${formatEther(result.poolWei)} OPEN${result.queryFile ? `; query kept in ${result.queryFile}` : ''} (tx ${result.txHash})`, () => result.inferenceId)
  })

  addChainOptions(
    inference.command('show').description('status, fee, pool and commitment of a recorded inference')
      .argument('<inference-id>', 'the inference', inferenceIdOption('<inference-id>'))
      .option('--prover <address>', 'the prover-fee recipient whose settlementId to show (default: the signer, paid when it settles)', addressOption('--prover')),
  ).action(async (inferenceId: string, options: ChainCliOptions & { prover?: string }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const [{ toChecksumAddress }, { formatEther }, { readInference }] = await Promise.all([import('../../prover/field/index.ts'), import('ethers'), import('../../prover/app/readInference.ts')])
    const prover = options.prover === undefined ? undefined : toChecksumAddress(options.prover, '--prover')
    await withChain(opts, options, async (chain) => {
      const result = await readInference({ chain, inferenceId, prover })
      printResult(opts, result, () => `${inferenceId}: ${result.status}, model ${result.modelId}, fee ${formatEther(result.feeWei)} OPEN (pool ${formatEther(result.poolWei)}), host ${result.host}, circuit ${result.circuitId}` +
        (result.status === 'pending' ? `, refundable from ${new Date(result.refundableAt * 1000).toISOString()}` : ''))
    }, { readOnly: true })
  })

  addChainOptions(
    inference.command('list').description('the inferences recorded on the settlement, oldest first, with their status (pending ones show when their fee becomes refundable)')
      .option('--model <id>', 'only this registered model', bigintOption('--model'))
      .option('--host <address>', 'only this host', addressOption('--host'))
      .addOption(new Option('--status <status>', 'only this status').choices(['pending', 'settled', 'refunded']))
      .option('--from-block <n>', 'first block to scan (default: the deployment block)', integerOption('--from-block', 0, Number.MAX_SAFE_INTEGER)),
  ).action(async (options: ChainCliOptions & { model?: bigint; host?: string; status?: 'pending' | 'settled' | 'refunded'; fromBlock?: number }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const [{ listInferences }, { formatEther }] = await Promise.all([import('../../prover/app/listInferences.ts'), import('ethers')])
    await withChain(opts, options, async (chain) => {
      const listed = await listInferences({ chain, modelId: options.model, host: options.host, status: options.status, fromBlock: options.fromBlock })
      const now = (await chain.provider.getBlock('latest'))?.timestamp ?? 0
      const when = (t: number) => new Date(t * 1000).toISOString()
      printResult(opts, { inferences: listed }, () => listed.length === 0 ? 'no inference matches' : listed.map((i) =>
        `${i.inferenceId} ${i.status.padEnd(8)} model ${i.modelId}, fee ${formatEther(i.feeWei)} OPEN, host ${i.host}, recorded ${when(i.recordedAt)}` +
        (i.status === 'pending' ? (now + 1 >= i.refundableAt ? ', refundable now (poa inference refund)' : `, refundable from ${when(i.refundableAt)}`) : '') +
        (i.status === 'settled' ? (now + 1 >= i.claimableAt ? ', claims open' : `, claims open ${when(i.claimableAt)}`) : '')).join('\n'))
    }, { readOnly: true })
  })

  addChainOptions(
    inference.command('refund').description("return an unsettled inference's fee to its host once its refund timeout has passed (anyone may send it)")
      .argument('<inference-id>', 'the pending inference', inferenceIdOption('<inference-id>'))
      .option('--account <n|key>', 'sender: Hardhat index on the embedded chain, or a private key', accountOption('--account')),
  ).action(async (inferenceId: string, options: ChainCliOptions & { account?: number | string }, cmd: Command) => {
    const opts = cmd.optsWithGlobals() as GlobalOptions
    const [{ refundInference }, { settlementAddress, signerOf }, { formatEther }] = await Promise.all([
      import('../../prover/clients/settlementClient.ts'), import('../../prover/app/settlementAddress.ts'), import('ethers'),
    ])
    await withChain(opts, options, async (chain) => {
      const tx = await refundInference({ settlement: settlementAddress(chain), signer: signerOf(chain, options.account), inferenceId })
      printResult(opts, { inferenceId, ...tx }, () => `refunded ${formatEther(tx.feeWei)} OPEN of ${inferenceId} to its host ${tx.host} (tx ${tx.txHash})`)
    })
  })

  inference.command('serve-queries').description("serve this home's query texts read-only to provers and validators (GET /queries/<inference-id>; their nodes fetch them with --query-source), until SIGINT/SIGTERM")
    .option('--port <port>', 'port (0: a free one)', integerOption('--port', 0, 65535), 8790)
    .option('--host <address>', 'address to listen on (default 127.0.0.1; another publishes every query text of this home to whoever reaches it)', '127.0.0.1')
    .action(async (o: { port: number; host: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      const { startQueryServer } = await import('../../prover/node/queryShare.ts')
      const server = await startQueryServer({ home: opts.home, port: o.port, host: o.host })
      note(`serving the query texts of ${opts.home}/queries/ at ${server.url}/queries/<inference-id> (read-only)`)
      printResult(opts, { url: server.url }, () => server.url, () => server.url)
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      await server.close()
    })

  inference.command('save-query').description('keep the query text of an inference in <home>/queries/ (the node and the auditor read it)')
    .argument('<inference-id>', 'the inference (0x + 64 hex)', inferenceIdOption('<inference-id>'))
    .option('--text <text>', 'the query text')
    .option('--file <path>', 'a file holding the query text (UTF-8, exactly as committed)')
    .action(async (inferenceId: string, o: { text?: string; file?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions
      exactlyOne('--text/--file', o.text, o.file)
      const [{ readFileSync }, { saveQueryText }] = await Promise.all([import('node:fs'), import('../../prover/node/queryStore.ts')])
      const path = await saveQueryText({ home: opts.home, inferenceId, text: o.text ?? readFileSync(o.file!, 'utf8') })
      printResult(opts, { inferenceId, path }, () => `saved the query of ${inferenceId} in ${path}`)
    })
}
