// Every operation, in the order tools/list shows them. Adding a capability means adding it here;
// the MCP tools and the guard follow from this list.
import type { Operation } from "./operation";
import { getCouponPoolOperation, listCouponPoolsOperation } from "./read/coupon-pools";
import { getMemberOperation, searchMembersOperation } from "./read/members";
import {
  describeMetricOperation,
  explainChangeOperation,
  listDimensionValuesOperation,
  listMetricsOperation,
  queryMetricOperation,
} from "./read/metrics";

export const OPERATIONS: readonly Operation[] = [
  listMetricsOperation,
  describeMetricOperation,
  queryMetricOperation,
  explainChangeOperation,
  listDimensionValuesOperation,
  searchMembersOperation,
  getMemberOperation,
  listCouponPoolsOperation,
  getCouponPoolOperation,
];
