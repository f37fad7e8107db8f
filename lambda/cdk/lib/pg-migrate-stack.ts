// The pg_migrate migration function and the Trigger that runs it on deploy.
import * as fs from 'fs';
import * as path from 'path';
import { AssetHashType, CfnOutput, CfnResource, DockerImage, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { bundleFunction, scriptFiles, scriptsHash } from './bundle';
import { ContextError } from './context';

export interface PgMigrateStackProps extends StackProps {
  /** function.zip built by `make -C lambda package` */
  readonly functionZip: string;
  /**
   * the scripts folder to bundle (client mode): its contents go under sql/
   * in the function's code, as `make package SQL=folder` puts them, and a
   * hash of it in the Trigger's properties runs the deploy again whenever
   * a script changes
   */
  readonly sqlDir?: string;
  /** PG_MIGRATE_ENGINE: auto (the function's default), extension or client */
  readonly engine?: string;
  /** FLYWAY_* variables (placeholders, schemas, locations, ...), as the old function had them */
  readonly flywayEnvironment?: Record<string, string>;
  /** the database's master/migration secret (RDS JSON layout) */
  readonly secretArn: string;
  /** optional jdbc:postgresql://host:port/db; otherwise host/port/dbname come from the secret */
  readonly flywayUrl?: string;
  /**
   * existing VPC, looked up (Vpc.fromLookup: its subnets and their zones,
   * cached in cdk.context.json); a new one otherwise
   */
  readonly vpcId?: string;
  /** the function's subnets in that VPC; by default its private ones */
  readonly privateSubnetIds?: string[];
  /** existing SNS topic for the deploy summaries */
  readonly snsTopicArn?: string;
  /** create a topic for the deploy summaries (instead of snsTopicArn) */
  readonly createSnsTopic?: boolean;
  /** the database's security group, to allow the function in on 5432 */
  readonly dbSecurityGroupId?: string;
  readonly migrationsHash: string;
}

export class PgMigrateStack extends Stack {
  constructor(scope: Construct, id: string, props: PgMigrateStackProps) {
    super(scope, id, props);

    const topic = this.notificationTopic(props);
    const { vpc, vpcSubnets } = props.vpcId
      ? this.existingVpc(props.vpcId, props.privateSubnetIds)
      : this.demoVpc(props.privateSubnetIds, topic !== undefined);

    const secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'DbSecret', props.secretArn);

    const zip = path.resolve(__dirname, '..', props.functionZip);
    const sqlDir = props.sqlDir ? path.resolve(__dirname, '..', props.sqlDir) : undefined;
    const hash = sqlDir ? this.scriptsHashOf(sqlDir) : undefined;
    const environment: Record<string, string> = {
      PG_MIGRATE_INVOKE_MODE: 'direct', // the Trigger invokes synchronously
      MASTER_SECRET_ARN: secret.secretArn,
      PG_MIGRATE_LOCK_TIMEOUT_MS: '10000',
      PG_MIGRATE_MIGRATIONS_HASH: props.migrationsHash !== 'unversioned' || !hash ? props.migrationsHash : hash,
    };
    if (props.flywayUrl) environment.FLYWAY_URL = props.flywayUrl;
    if (props.engine) environment.PG_MIGRATE_ENGINE = props.engine;
    Object.assign(environment, props.flywayEnvironment ?? {});
    if (topic) environment.PG_MIGRATE_SNS_TOPIC_ARN = topic.topicArn;

    const fn = new lambda.Function(this, 'Migrate', {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.X86_64,
      handler: 'direct',
      code: sqlDir ? this.bundledCode(zip, sqlDir) : lambda.Code.fromAsset(zip),
      memorySize: 128,
      timeout: Duration.minutes(10),
      vpc,
      vpcSubnets,
      environment,
      logGroup: new logs.LogGroup(this, 'MigrateLogs', { retention: logs.RetentionDays.ONE_MONTH }),
      description: sqlDir
        ? `pg_migrate: bundled scripts ${hash}, or SELECT migrate_apply() (${props.migrationsHash})`
        : `pg_migrate: SELECT migrate_apply() (${props.migrationsHash})`,
    });
    secret.grantRead(fn);
    topic?.grantPublish(fn);

    if (props.dbSecurityGroupId) {
      const dbSg = ec2.SecurityGroup.fromSecurityGroupId(this, 'DbSg', props.dbSecurityGroupId);
      fn.connections.allowTo(dbSg, ec2.Port.tcp(5432), 'pg_migrate Lambda');
    }

    // Runs on create and whenever the function changes (new code or a new
    // migrationsHash); a failed migration fails the deployment.
    const trigger = new triggers.Trigger(this, 'RunMigrations', {
      handler: fn,
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
      timeout: Duration.minutes(10),
      executeOnHandlerChange: true,
    });
    // a changed script changes the Trigger itself, so CloudFormation updates
    // it and it runs the deploy again (the new code version would too)
    // (the Trigger's default child is its CustomResource, whose own is the CfnResource)
    if (hash) {
      const resource = trigger.node.defaultChild as Construct;
      (resource.node.defaultChild as CfnResource).addPropertyOverride('ScriptsHash', hash);
    }

    new CfnOutput(this, 'MigrateFunctionName', { value: fn.functionName });
    if (topic) new CfnOutput(this, 'NotificationTopicArn', { value: topic.topicArn });
  }

  /** The scripts folder's hash, after checking it holds scripts. */
  private scriptsHashOf(sqlDir: string): string {
    if (!fs.existsSync(sqlDir) || !fs.statSync(sqlDir).isDirectory()) {
      throw new ContextError(`sqlDir: ${sqlDir} is not a folder (a relative sqlDir is read from lambda/cdk)`);
    }
    if (!scriptFiles(sqlDir).some((f) => f.endsWith('.sql'))) {
      throw new ContextError(`sqlDir: ${sqlDir} holds no .sql file`);
    }
    return scriptsHash(sqlDir);
  }

  /**
   * function.zip and the scripts as one asset, bundled on this machine (no
   * Docker): its hash is the output's, so new scripts or new code make a
   * new asset and a new function version.
   */
  private bundledCode(zip: string, sqlDir: string): lambda.Code {
    if (!fs.existsSync(zip)) {
      throw new ContextError(`functionZip: ${zip} does not exist: run make -C lambda package first`);
    }
    return lambda.Code.fromAsset(sqlDir, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: DockerImage.fromRegistry('local-bundling-only'),
        local: {
          tryBundle(outputDir: string): boolean {
            bundleFunction(zip, sqlDir, outputDir);
            return true;
          },
        },
      },
    });
  }

  /** The topic the function publishes each deploy's summary to, if any. */
  private notificationTopic(props: PgMigrateStackProps): sns.ITopic | undefined {
    if (props.snsTopicArn && props.createSnsTopic) {
      throw new ContextError('snsTopicArn and createSnsTopic=true exclude each other: '
        + 'name an existing topic or have one created, not both');
    }
    if (props.snsTopicArn) return sns.Topic.fromTopicArn(this, 'Notifications', props.snsTopicArn);
    if (props.createSnsTopic) {
      return new sns.Topic(this, 'Notifications', { displayName: 'pg_migrate deploys' });
    }
    return undefined;
  }

  /**
   * The application's VPC as it is in the account: Vpc.fromLookup gives its
   * subnets with their zones and route types (cached in cdk.context.json).
   * The function goes into the subnets named, or else the private ones.
   */
  private existingVpc(vpcId: string, subnetIds?: string[]): Placement {
    const vpc = ec2.Vpc.fromLookup(this, 'Vpc', { vpcId });

    // first pass without a cached lookup: placeholders until the CLI has looked
    // (an explicit, empty selection asks without selecting by type)
    if (vpc.selectSubnets({ subnets: [] }).isPendingLookup) return { vpc, vpcSubnets: {} };
    if (subnetIds) {
      return { vpc, vpcSubnets: { subnets: subnetIds.map((id) => this.subnetOf(vpc, id)) } };
    }
    if (vpc.privateSubnets.length) return { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } };
    if (vpc.isolatedSubnets.length) return { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } };
    throw new ContextError(`${vpcId} has only public subnets (a Lambda function there gets no `
      + 'public address, so it cannot reach Secrets Manager): give privateSubnetIds');
  }

  private subnetOf(vpc: ec2.IVpc, id: string): ec2.ISubnet {
    const known = [...vpc.privateSubnets, ...vpc.isolatedSubnets];
    const subnet = known.find((s) => s.subnetId === id);

    if (subnet) return subnet;
    if (vpc.publicSubnets.some((s) => s.subnetId === id)) {
      throw new ContextError(`privateSubnetIds: ${id} is a public subnet of ${vpc.vpcId} (a Lambda `
        + 'function there gets no public address, so it cannot reach Secrets Manager): name private subnets');
    }
    throw new ContextError(`privateSubnetIds: ${id} is not a private subnet of ${vpc.vpcId} `
      + `(its private subnets: ${known.map((s) => `${s.subnetId} in ${s.availabilityZone}`).join(', ') || 'none'}). `
      + 'If the subnet is new, drop the cached lookup (cdk context --reset) and synthesize again');
  }

  private demoVpc(subnetIds: string[] | undefined, notify: boolean): Placement {
    if (subnetIds) throw new ContextError('privateSubnetIds needs vpcId: name the VPC the subnets belong to');
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 0,
      subnetConfiguration: [
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ] });
    // no NAT, no internet: Secrets Manager through an interface endpoint
    // (direct mode under a Trigger needs nothing else: no S3 ResponseURL)
    vpc.addInterfaceEndpoint('SecretsManager', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    });
    if (notify) vpc.addInterfaceEndpoint('Sns', { service: ec2.InterfaceVpcEndpointAwsService.SNS });
    return { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } };
  }
}

interface Placement {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
}
