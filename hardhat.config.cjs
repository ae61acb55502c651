// Hardhat 2 configuration. CommonJS because the package is ESM and Hardhat 2 loads its config
// with require(). Compiles OFFLINE: Hardhat would otherwise download solc (HH502 on this network),
// so the solc build is the npm `solc` package's soljson.js, pinned to 0.8.30 (fully supported by
// Hardhat 2.29, so stack traces work).
require('@nomicfoundation/hardhat-ethers')
const path = require('node:path')
const { subtask } = require('hardhat/config')
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require('hardhat/builtin-tasks/task-names')

const SOLC_VERSION = '0.8.30'

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper()
  const solc = require('solc')
  return {
    compilerPath: require.resolve('solc/soljson.js'),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  }
})

/** @type {import('hardhat/config').HardhatUserConfig} */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
    },
  },
  paths: {
    root: __dirname,
    sources: path.join(__dirname, 'contracts'),
    artifacts: path.join(__dirname, 'build/hardhat/artifacts'),
    cache: path.join(__dirname, 'build/hardhat/cache'),
  },
  networks: {
    hardhat: {
      chainId: 31337,
      allowUnlimitedContractSize: false,
    },
  },
}
