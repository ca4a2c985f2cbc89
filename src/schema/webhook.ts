import { ArrayMaxSize, IsOptional, Length, Max, Min } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { webhookDeliveryStatusEnum, webhookFormatEnum, type WebhookFormat } from '../db/schema/webhooks.js';
import type { AlertKind, AlertSeverity } from '../db/schema/alerts.js';
import { AlertKindEnum, AlertSeverityEnum } from './alert.js';
import { Connection, enumOf } from './common.js';


export const WebhookFormatEnum = enumOf(webhookFormatEnum.enumValues);
registerEnumType(WebhookFormatEnum, { name: 'WebhookFormat', description: 'JSON: the alert as JSON; SLACK: a Slack incoming-webhook message' });
export const WebhookDeliveryStatusEnum = enumOf(webhookDeliveryStatusEnum.enumValues);
registerEnumType(WebhookDeliveryStatusEnum, { name: 'WebhookDeliveryStatus', description: 'PENDING, then SUCCEEDED, or RETRYING (with backoff) until FAILED' });

@ObjectType()
export class WebhookAttempt {
  @Field(() => Date)
  at!: Date;

  @Field(() => Int, { nullable: true })
  statusCode!: number | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Int)
  durationMs!: number;
}

@ObjectType({ description: 'One alert to one channel' })
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  alertId!: string;

  @Field(() => WebhookDeliveryStatusEnum)
  status!: string;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Int, { nullable: true })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  @Field(() => [WebhookAttempt], { description: 'Every attempt, oldest first' })
  log!: WebhookAttempt[];

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class WebhookDeliveryConnection extends Connection(WebhookDelivery, 'WebhookDelivery') {}

@ObjectType({ description: 'Where alerts go besides subscriptions: signed HTTP POSTs' })
export class WebhookChannel {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Scheme, host and path only: a query string (Slack-style tokens) is not shown' })
  url!: string;

  @Field(() => WebhookFormatEnum)
  format!: WebhookFormat;

  @Field(() => [AlertKindEnum], { description: 'Empty: every kind' })
  kinds!: AlertKind[];

  @Field(() => AlertSeverityEnum)
  minSeverity!: AlertSeverity;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => WebhookDeliveryConnection, { description: 'Newest first' })
  deliveries?: WebhookDeliveryConnection;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class CreatedWebhookChannel {
  @Field(() => WebhookChannel)
  channel!: WebhookChannel;

  @Field(() => String, { description: 'The HMAC-SHA256 signing secret: shown once, now' })
  secret!: string;
}

@InputType()
export class CreateWebhookChannelInput {
  @Field(() => String)
  @Length(1, 200)
  name!: string;

  @Field(() => String, { description: 'http(s) URL the alerts are POSTed to' })
  @Length(1, 2000)
  url!: string;

  @Field(() => WebhookFormatEnum, { defaultValue: 'JSON' })
  format!: WebhookFormat;

  @Field(() => [AlertKindEnum], { nullable: true, description: 'Only these kinds (default: all)' })
  @IsOptional()
  @ArrayMaxSize(10)
  kinds?: AlertKind[] | null;

  @Field(() => AlertSeverityEnum, { nullable: true, description: 'At least this severity (default INFO)' })
  @IsOptional()
  minSeverity?: AlertSeverity | null;
}

@InputType({ description: 'Only the fields given change' })
export class UpdateWebhookChannelInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 200)
  name?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 2000)
  url?: string | null;

  @Field(() => WebhookFormatEnum, { nullable: true })
  @IsOptional()
  format?: WebhookFormat | null;

  @Field(() => [AlertKindEnum], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(10)
  kinds?: AlertKind[] | null;

  @Field(() => AlertSeverityEnum, { nullable: true })
  @IsOptional()
  minSeverity?: AlertSeverity | null;

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  enabled?: boolean | null;
}

@ArgsType()
export class DeliveriesArgs {
  @Field(() => Int, { defaultValue: 50 })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}
