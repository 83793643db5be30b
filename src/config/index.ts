/**
 * src/config — loading config.yaml and jobs/*.yaml. One zod schema (schema.ts) gives the TypeScript
 * types, the validation and the documentation (describe.ts); every problem of every file is reported at
 * once with file:line:column and key path (errors.ts); secret references are resolved on demand
 * (secrets.ts), never at load time. May import only src/domain and the packages zod, yaml and node-cron.
 */
export {
  loadConfig,
  secretRefs,
  DEFAULT_HOOK_TIMEOUT_MS,
  type EffectiveHooks,
  type EffectiveJob,
  type LoadConfigOptions,
  type LoadedConfig,
} from './load.ts';
export { ConfigError, formatProblem, YamlFile, type ConfigProblem, type PathSegment } from './errors.ts';
export {
  credentialPath,
  describeSecretRef,
  resolveSecret,
  secretFileWarning,
  SecretError,
  type ResolveSecretOptions,
} from './secrets.ts';
export { describeSchema, schemaKeyPaths } from './describe.ts';
export { formatDuration, parseByteSize, parseDuration } from './units.ts';
export {
  compressionSchema,
  configSchema,
  defaultsSchema,
  encryptionSchema,
  destinationSchema,
  jobSchema,
  notificationSchema,
  retentionSchema,
  retrySchema,
  secretRefSchema,
  sourceSchema,
  type Compression,
  type Config,
  type Defaults,
  type Destination,
  type Encryption,
  type HookCommandSpec,
  type DirectorySource,
  type FtpsDestination,
  type Job,
  type LocalDestination,
  type LogConfig,
  type MysqlSource,
  type Notification,
  type RetentionPolicy,
  type RetryPolicy,
  type SchedulerConfig,
  type SecretRef,
  type Source,
} from './schema.ts';
