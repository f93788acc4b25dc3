// Every operation, in the order tools/list shows them. Adding a capability means adding it here;
// the MCP tools, the console's approvals and invokeOperation follow from this list.
import { mayUse } from "@/lib/governance/guard";
import type { Operation, WriteOperation } from "./operation";
import { getCouponPoolOperation, listCouponPoolsOperation } from "./read/coupon-pools";
import { getMemberOperation, searchMembersOperation } from "./read/members";
import { cancelWriteRequestOperation, getWriteRequestOperation, listWriteRequestsOperation } from "./read/write-requests";
import { issueAmbassadorCodeOperation } from "./write/ambassadors";
import { createCouponPoolOperation, issueCouponOperation, topUpCouponPoolOperation, voidCouponOperation } from "./write/coupons";
import { changeMemberTierOperation, createMemberOperation, updateMemberOperation } from "./write/members";
import { awardPointsOperation, redeemPointsOperation } from "./write/points";
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
  // Writes: each only queues a request for a human approver (lib/writes).
  createMemberOperation,
  updateMemberOperation,
  changeMemberTierOperation,
  awardPointsOperation,
  redeemPointsOperation,
  createCouponPoolOperation,
  topUpCouponPoolOperation,
  issueCouponOperation,
  voidCouponOperation,
  issueAmbassadorCodeOperation,
  getWriteRequestOperation,
  listWriteRequestsOperation,
  cancelWriteRequestOperation,
];

export function findOperation(name: string): Operation | undefined {
  return OPERATIONS.find((op) => op.name === name);
}

/** The write a stored request names, for the approval lifecycle (lib/writes runs it). */
export function findWriteOperation(name: string): WriteOperation | undefined {
  const op = findOperation(name);
  return op?.kind === "write" ? op : undefined;
}

/** The operations a credential may use: what tools/list shows it. */
export function operationsFor(scopes: readonly string[]): Operation[] {
  return OPERATIONS.filter((op) => mayUse(scopes, op));
}
