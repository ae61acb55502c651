import { openDatanetStore, type DatanetStore } from '../datanet/index.ts'

/** Open the datanet store of `home` (`<home>/poa.sqlite`), run `work`, and always close it. */
export async function withDatanetStore<T>(home: string, work: (store: DatanetStore) => Promise<T> | T): Promise<T> {
  const store = openDatanetStore({ home })
  try {
    return await work(store)
  } finally {
    store.close()
  }
}
