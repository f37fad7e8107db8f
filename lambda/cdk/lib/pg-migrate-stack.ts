// The pg_migrate migration function and the Trigger that runs it on deploy.
import * as path from 'path';
import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';

export interface PgMigrateStackProps extends StackProps {
  /** function.zip built by `make -C lambda package` */
  readonly functionZip: string;
  /** the database's master/migration secret (RDS JSON layout) */
  readonly secretArn: string;
  /** optional jdbc:postgresql://host:port/db; otherwise host/port/dbname come from the secret */
  readonly flywayUrl?: string;
  /** existing VPC (private subnets with a route to Secrets Manager); a new one otherwise */
  readonly vpcId?: string;
  /** the database's security group, to allow the function in on 5432 */
  readonly dbSecurityGroupId?: string;
  readonly migrationsHash: string;
}

export class PgMigrateStack extends Stack {
  constructor(scope: Construct, id: string, props: PgMigrateStackProps) {
    super(scope, id, props);

    // Offline synth: import by attributes, never Vpc.fromLookup.
    const vpc = props.vpcId
      ? ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
          vpcId: props.vpcId,
          availabilityZones: ['a', 'b'].map((s) => `${this.region}${s}`),
          privateSubnetIds: this.node.getContext('privateSubnetIds') as string[],
        })
      : this.demoVpc();

    const secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'DbSecret', props.secretArn);

    const environment: Record<string, string> = {
      PG_MIGRATE_INVOKE_MODE: 'direct', // the Trigger invokes synchronously
      MASTER_SECRET_ARN: secret.secretArn,
      PG_MIGRATE_LOCK_TIMEOUT_MS: '10000',
      PG_MIGRATE_MIGRATIONS_HASH: props.migrationsHash,
    };
    if (props.flywayUrl) environment.FLYWAY_URL = props.flywayUrl;

    const fn = new lambda.Function(this, 'Migrate', {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.X86_64,
      handler: 'direct',
      code: lambda.Code.fromAsset(path.resolve(__dirname, '..', props.functionZip)),
      memorySize: 128,
      timeout: Duration.minutes(10),
      vpc,
      // an imported VPC's private subnets; the demo VPC's isolated ones
      vpcSubnets: { subnetType: props.vpcId ? ec2.SubnetType.PRIVATE_WITH_EGRESS
                                            : ec2.SubnetType.PRIVATE_ISOLATED },
      environment,
      logGroup: new logs.LogGroup(this, 'MigrateLogs', { retention: logs.RetentionDays.ONE_MONTH }),
      description: `pg_migrate: SELECT migrate_apply() (${props.migrationsHash})`,
    });
    secret.grantRead(fn);

    if (props.dbSecurityGroupId) {
      const dbSg = ec2.SecurityGroup.fromSecurityGroupId(this, 'DbSg', props.dbSecurityGroupId);
      fn.connections.allowTo(dbSg, ec2.Port.tcp(5432), 'pg_migrate Lambda');
    }

    // Runs on create and whenever the function changes (new code or a new
    // migrationsHash); a failed migration fails the deployment.
    new triggers.Trigger(this, 'RunMigrations', {
      handler: fn,
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
      timeout: Duration.minutes(10),
      executeOnHandlerChange: true,
    });

    new CfnOutput(this, 'MigrateFunctionName', { value: fn.functionName });
  }

  private demoVpc(): ec2.IVpc {
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 0,
      subnetConfiguration: [
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ] });
    // no NAT, no internet: Secrets Manager through an interface endpoint
    // (direct mode under a Trigger needs nothing else: no S3 ResponseURL)
    vpc.addInterfaceEndpoint('SecretsManager', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    });
    return vpc;
  }
}
