export {
  ALERTMANAGER_CHANNEL,
  type AlertsConfig,
  alertmanagerAlertsUrl,
  channelTargets,
  type WebhookConfig,
  type WebhookFormat,
  webhookChannel,
} from './config.ts';
export {
  type AlertDispatcher,
  type AlertDispatcherOptions,
  type AlertLog,
  createAlertDispatcher,
  type DispatchResult,
} from './dispatcher.ts';
export {
  type AlertEvent,
  type AlertEventKind,
  alertsForCollection,
  type CollectionAlerts,
  eventsFromTransitions,
  type FiringViolation,
  firingAfter,
  type TransitionWithId,
} from './events.ts';
export { ALERT_NAME, type AlertmanagerAlert, formatAlertmanager } from './format-alertmanager.ts';
export { formatJson, type JsonAlertBody } from './format-json.ts';
export { formatSlack, type SlackBody } from './format-slack.ts';
export { type EnqueueOptions, enqueueAlerts } from './outbox.ts';
