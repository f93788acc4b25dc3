// Every operation, in the order tools/list shows them. Adding a capability means adding it here;
// the MCP tools and the guard follow from this list.
import type { Operation } from "./operation";
import { getCouponPoolOperation, listCouponPoolsOperation } from "./read/coupon-pools";
import { getMemberOperation, searchMembersOperation } from "./read/members";
import { cancelWriteRequestOperation, getWriteRequestOperation, listWriteRequestsOperation } from "./read/write-requests";
import { issueAmbassadorCodeOperation } from "@/lib/loyalty/writes/ambassadors";
import { createCouponPoolOperation, issueCouponOperation, topUpCouponPoolOperation, voidCouponOperation } from "@/lib/loyalty/writes/coupons";
import { changeMemberTierOperation, createMemberOperation, updateMemberOperation } from "@/lib/loyalty/writes/members";
import { awardPointsOperation, redeemPointsOperation } from "@/lib/loyalty/writes/points";
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
