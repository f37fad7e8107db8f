#!/usr/bin/env node
// CDK app: the pg_migrate Lambda in the application's VPC, run on every deploy.
// Synthesizes offline: no context lookups; everything comes from cdk.json
// context or -c key=value on the command line.
import * as cdk from 'aws-cdk-lib';
import { PgMigrateStack } from '../lib/pg-migrate-stack';

const app = new cdk.App();
const ctx = (key: string): string | undefined => {
  const v = app.node.tryGetContext(key);
  return v === undefined || v === '' ? undefined : String(v);
};

new PgMigrateStack(app, 'PgMigrateStack', {
  functionZip: ctx('functionZip') ?? '../function.zip',
  secretArn: ctx('secretArn')!,
  flywayUrl: ctx('flywayUrl'),
  vpcId: ctx('vpcId'),
  dbSecurityGroupId: ctx('dbSecurityGroupId'),
  // changes whenever the scripts change (CodeBuild passes their hash), so
  // the function gets a new version and the Trigger runs again
  migrationsHash: ctx('migrationsHash') ?? 'unversioned',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
