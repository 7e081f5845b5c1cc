/**
 * The AWS KMS key provider: GenerateDataKey for each new data key, Decrypt to unwrap a stored one,
 * through `@aws-sdk/client-kms` (an optional peer dependency, imported on first use only, or given as
 * a client). The key id stored with each value is the key ARN KMS answers with, so values stay
 * readable after the provider is pointed at a new key.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import type { DataKey, KeyProvider } from './key-provider.js';

/** Options of {@link kmsKeyProvider}. */
export interface KmsKeyProviderOptions {
  /** The KMS key new data keys are made under: a key id, key ARN, alias name or alias ARN. */
  readonly keyId: string;
  /** A KMS client of your own (region, credentials, endpoint); by default one from the environment. */
  readonly client?: KMSClient;
  /**
   * The KMS encryption context of every data key (authenticated by KMS, and visible in CloudTrail):
   * default `{ purpose: 'dynamorm-field-encryption' }`.
   */
  readonly encryptionContext?: Readonly<Record<string, string>>;
}

type Kms = typeof import('@aws-sdk/client-kms');

/** A key provider backed by AWS KMS. Nothing is imported or sent until the first data key is needed. */
export function kmsKeyProvider(options: KmsKeyProviderOptions): KeyProvider {
  const context = { ...(options.encryptionContext ?? { purpose: 'dynamorm-field-encryption' }) };
  let sdk: Promise<{ kms: Kms; client: KMSClient }> | undefined;
  let current: string | undefined; // the key ARN of KMS's last answer
  const load = () =>
    (sdk ??= import('@aws-sdk/client-kms').then((kms) => ({ kms, client: options.client ?? new kms.KMSClient({}) })));

  const generateDataKey = async (): Promise<DataKey> => {
    const { kms, client } = await load();
    const out = await client.send(new kms.GenerateDataKeyCommand({ KeyId: options.keyId, KeySpec: 'AES_256', EncryptionContext: context }));
    if (!out.Plaintext || !out.CiphertextBlob || !out.KeyId) throw new Error('KMS GenerateDataKey answered without a key');
    current = out.KeyId;
    return { plaintext: out.Plaintext, wrapped: out.CiphertextBlob, keyId: out.KeyId };
  };

  return {
    generateDataKey,
    async decryptDataKey(wrapped, keyId) {
      const { kms, client } = await load();
      const out = await client.send(new kms.DecryptCommand({ CiphertextBlob: wrapped, KeyId: keyId, EncryptionContext: context }));
      if (!out.Plaintext) throw new Error('KMS Decrypt answered without a plaintext');
      return out.Plaintext;
    },
    async currentKeyId() {
      // The ARN behind an alias (which a rotation moves) is only known from KMS's answer: ask it now.
      await generateDataKey();
      return current as string;
    },
  };
}
