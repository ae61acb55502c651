import { compileCircuit } from './prover/proof/compileCircuit.ts'
import { ensureDevKeys } from './ceremony/devSetup.ts'
const t = Date.now()
const c = await compileCircuit({ name: 'datanet_inclusion_d8', source: 'circuits/test/datanetInclusion.circom', template: 'DatanetInclusion', params: [8], publicInputs: ['root'] }, console.log)
console.log('compiled', (Date.now()-t)/1000)
const k = await ensureDevKeys(c, console.log)
console.log(k.zkeyPath, (Date.now()-t)/1000)
