import { AbstractSigner, type BaseWallet, type Provider, type TransactionRequest, type TransactionResponse, type TypedDataDomain, type TypedDataField } from 'ethers'
import type { EmbeddedChain } from './embeddedChain.ts'

/**
 * A signer for the embedded chain: it signs locally with `wallet` and sends the raw signed
 * transaction through the chain's journal, so that a later process can replay it. Everything the
 * contracts do through this signer therefore survives the process.
 */
export class JournalingSigner extends AbstractSigner<Provider> {
  readonly #wallet: BaseWallet
  readonly #chain: EmbeddedChain

  constructor(wallet: BaseWallet, chain: EmbeddedChain) {
    super(chain.provider)
    this.#wallet = wallet
    this.#chain = chain
  }

  override async getAddress(): Promise<string> {
    return this.#wallet.address
  }

  get address(): string {
    return this.#wallet.address
  }

  override connect(provider: Provider | null): JournalingSigner {
    // The journal is bound to one embedded network; connecting elsewhere would bypass it.
    if (provider !== this.#chain.provider) throw new Error('a JournalingSigner can only be connected to its own embedded chain')
    return this
  }

  override signTransaction(tx: TransactionRequest): Promise<string> {
    return this.#wallet.signTransaction(tx)
  }

  override signMessage(message: string | Uint8Array): Promise<string> {
    return this.#wallet.signMessage(message)
  }

  override signTypedData(domain: TypedDataDomain, types: Record<string, Array<TypedDataField>>, value: Record<string, unknown>): Promise<string> {
    return this.#wallet.signTypedData(domain, types, value)
  }

  override sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    // Populate (nonce from the chain) and send under the chain's lock, so that two concurrent sends
    // never take the same nonce and the journal order is the mining order.
    return this.#chain.exclusive(async () => {
      const populated = await this.populateTransaction(tx)
      delete populated.from
      const raw = await this.#wallet.signTransaction(populated)
      const hash = await this.#chain.submitRawTransaction(raw)
      const response = await this.#chain.provider.getTransaction(hash)
      if (response === null) throw new Error(`transaction ${hash} was mined but the node does not return it`)
      return response
    })
  }
}
