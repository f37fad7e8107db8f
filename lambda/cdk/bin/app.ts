#!/usr/bin/env node
// CDK app: the pg_migrate Lambda in the application's VPC, run on every deploy.
// Everything comes from cdk.json context or -c key=value on the command line.
// Only an existing VPC (vpcId) is looked up in the account; without one the
// app synthesizes offline.
import * as cdk from 'aws-cdk-lib';
import {
  ContextError, arnContext, boolContext, engineContext, flywayEnvContext, idContext, idListContext, stringContext,
} from '../lib/context';
import { PgMigrateStack } from '../lib/pg-migrate-stack';

const app = new cdk.App();
const ctx = (key: string): string | undefined => stringContext(app.node, key);
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

try {
  const vpcId = idContext(app.node, 'vpcId', 'vpc');
  const secretArn = ctx('secretArn');

  if (!secretArn) throw new ContextError('secretArn is required: the full ARN of the database secret');

  if (vpcId && (!account || !region)) {
    throw new ContextError(`vpcId: looking up ${vpcId} needs the account and the region: run cdk `
      + 'with AWS credentials and a region; without credentials, when cdk.context.json holds the '
      + 'lookup already, set CDK_DEFAULT_ACCOUNT and AWS_REGION');
  }
  new PgMigrateStack(app, 'PgMigrateStack', {
    functionZip: ctx('functionZip') ?? '../function.zip',
    // client mode's scripts (optional): bundled under sql/
    sqlDir: ctx('sqlDir'),
    engine: engineContext(app.node, 'engine'),
    flywayEnvironment: flywayEnvContext(app.node, 'flywayEnv'),
    secretArn,
    flywayUrl: ctx('flywayUrl'),
    vpcId,
    privateSubnetIds: idListContext(app.node, 'privateSubnetIds', 'subnet'),
    dbSecurityGroupId: idContext(app.node, 'dbSecurityGroupId', 'sg'),
    snsTopicArn: arnContext(app.node, 'snsTopicArn', 'sns'),
    createSnsTopic: boolContext(app.node, 'createSnsTopic'),
    // changes whenever the scripts change (CodeBuild passes their hash), so
    // the function gets a new version and the Trigger runs again
    migrationsHash: ctx('migrationsHash') ?? 'unversioned',
    env: { account, region },
  });
} catch (e) {
  if (!(e instanceof ContextError)) throw e;
  // a mistake in the context: the message says what to change, no stack trace
  console.error(`pg_migrate CDK app: ${e.message}`);
  process.exit(1);
}
