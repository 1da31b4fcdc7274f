// assign_slot (gateway/binance_io/io_common.h), the copy-assignment of the ring slots: every listed
// member arrives, each payload's used bytes arrive and nothing past them is written, self-assignment
// leaves the slot as it was.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "gateway/binance_io/rest_client.h"
#include "gateway/binance_io/ws_api_client.h"
#include "gateway/binance_io/ws_event.h"

namespace dmabot::binance_io {
namespace {

TEST(SlotCopy, RestRequestCopiesFieldsAndBothPayloads) {
  auto from = std::make_unique<RestRequest>();
  ASSERT_TRUE(from->set(7, "POST", "/api/v3/order", "symbol=BTCUSDT&side=BUY", "a=1"));
  from->timeout_ms = 1500;
  auto to = std::make_unique<RestRequest>();
  std::memset(to->query, 'x', sizeof to->query);
  std::memset(to->body, 'y', sizeof to->body);
  *to = *from;
  EXPECT_EQ(to->tag, 7u);
  EXPECT_EQ(to->timeout_ms, 1500);
  EXPECT_EQ(to->method.view(), "POST");
  EXPECT_EQ(to->path.view(), "/api/v3/order");
  EXPECT_EQ(to->query_view(), "symbol=BTCUSDT&side=BUY");
  EXPECT_EQ(to->body_view(), "a=1");
  // Only the used bytes are copied: what lies past them is the destination's own.
  EXPECT_EQ(to->query[to->query_len], 'x');
  EXPECT_EQ(to->body[to->body_len], 'y');
}

TEST(SlotCopy, ResponsesAndEventsCopyEveryListedMember) {
  auto r = std::make_unique<RestResponse>();
  r->tag = 3;
  r->outcome = Outcome::kTimeout;
  r->status = 503;
  r->usage.retry_after_s = 12;
  r->sent_wall_ns = 100;
  r->done_wall_ns = 200;
  r->truncated = true;
  ASSERT_TRUE(r->error.assign("read: timeout"));
  r->body_len = 2;
  std::memcpy(r->body, "{}", 2);
  auto r2 = std::make_unique<RestResponse>();
  *r2 = *r;
  EXPECT_EQ(r2->tag, 3u);
  EXPECT_EQ(r2->outcome, Outcome::kTimeout);
  EXPECT_EQ(r2->status, 503);
  EXPECT_EQ(r2->usage.retry_after_s, 12);
  EXPECT_EQ(r2->sent_wall_ns, 100);
  EXPECT_EQ(r2->done_wall_ns, 200);
  EXPECT_TRUE(r2->truncated);
  EXPECT_EQ(r2->error.view(), "read: timeout");
  EXPECT_EQ(r2->body_view(), "{}");

  auto q = std::make_unique<WsRequest>();
  ASSERT_TRUE(q->set(9, R"({"id":"9"})"));
  q->timeout_ms = 5;
  q->submit_mono_ns = 42;
  auto q2 = std::make_unique<WsRequest>();
  *q2 = *q;
  EXPECT_EQ(q2->id, 9u);
  EXPECT_EQ(q2->timeout_ms, 5);
  EXPECT_EQ(q2->submit_mono_ns, 42);
  EXPECT_EQ(q2->view(), R"({"id":"9"})");

  auto w = std::make_unique<WsResponse>();
  w->id = 4;
  w->outcome = Outcome::kUnknownOutcome;
  w->status = 400;
  w->done_wall_ns = 77;
  w->truncated = true;
  ASSERT_TRUE(w->error.assign("closed"));
  w->len = 3;
  std::memcpy(w->frame, "abc", 3);
  auto w2 = std::make_unique<WsResponse>();
  *w2 = *w;
  EXPECT_EQ(w2->id, 4u);
  EXPECT_EQ(w2->outcome, Outcome::kUnknownOutcome);
  EXPECT_EQ(w2->status, 400);
  EXPECT_EQ(w2->done_wall_ns, 77);
  EXPECT_TRUE(w2->truncated);
  EXPECT_EQ(w2->error.view(), "closed");
  EXPECT_EQ(w2->view(), "abc");

  auto e = std::make_unique<WsEvent>();
  e->kind = WsEvent::Kind::kDisconnected;
  e->subscription_id = 5;
  e->recv_wall_ns = 66;
  e->truncated = true;
  ASSERT_TRUE(e->info.assign("dropped"));
  e->len = 2;
  std::memcpy(e->json, "[]", 2);
  const WsEvent e2(*e);  // the copy constructor goes through the same assignment
  EXPECT_EQ(e2.kind, WsEvent::Kind::kDisconnected);
  EXPECT_EQ(e2.subscription_id, 5);
  EXPECT_EQ(e2.recv_wall_ns, 66);
  EXPECT_TRUE(e2.truncated);
  EXPECT_EQ(e2.info.view(), "dropped");
  EXPECT_EQ(e2.view(), "[]");
}

TEST(SlotCopy, SelfAssignmentKeepsTheSlot) {
  auto e = std::make_unique<WsEvent>();
  e->len = 5;
  std::memcpy(e->json, "hello", 5);
  ASSERT_TRUE(e->info.assign("i"));
  WsEvent& same = *e;
  *e = same;
  EXPECT_EQ(e->view(), "hello");
  EXPECT_EQ(e->info.view(), "i");
}

}  // namespace
}  // namespace dmabot::binance_io
