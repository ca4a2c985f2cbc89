export {
  TASK_STATUSES, isTaskStatus, splitTaskName,
  type TaskRecord, type TaskStatus,
} from './task-record.js';
export {
  UnitParseError, assertTimeZone, isMissing, parseBytes, parseDuration, parseInteger, parsePercent, parseTimestamp,
} from './units.js';
export { TRACE_COLUMNS, canonicalColumn, type TraceColumn } from './columns.js';
export {
  TraceFormatError, openTrace,
  type OpenTraceOptions, type OpenedTrace, type TraceHeader, type TraceItem,
} from './trace.js';
export {
  WEBLOG_EVENTS, WeblogFormatError, parseWeblogEvent, parseWeblogJson,
  type WeblogEvent, type WeblogEventType, type WorkflowInfo, type WorkflowStats,
} from './weblog.js';
