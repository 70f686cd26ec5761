// Tests of omskit.hpp, the C++17 wrapper: every method, errors as
// exceptions with their status, field and SKU, move-only RAII handles,
// the fulfilment-to-delivery life with a carrier written in C++,
// subscriptions, and one engine shared by several threads.
//
// Built with -Wall -Wextra -Werror; run by scripts/test-c.sh under valgrind
// (shared library) and with AddressSanitizer + UBSan (static library).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <unistd.h>
#include <vector>

#include "omskit.hpp"

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const char *what, int line) {
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::cerr << "test_cpp.cpp:" << line << ": check failed: " << what << "\n";
    }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

// Runs `body`, which must throw omskit::error with `want`; returns the error.
template <typename F>
std::optional<omskit::error> expect_error(F body, omskit_status want, int line) {
    try {
        body();
    } catch (const omskit::error &e) {
        check(e.status() == want, "the error has the expected status", line);
        if (e.status() != want) std::cerr << "    got " << e.status_name() << ": " << e.what() << "\n";
        check(std::string(e.what()).size() > 0 && e.json().find(omskit_status_name(want)) != std::string::npos,
              "the error has a message and JSON", line);
        return e;
    } catch (...) {
        check(false, "threw something other than omskit::error", line);
        return std::nullopt;
    }
    check(false, "did not throw", line);
    return std::nullopt;
}
#define EXPECT_ERROR(body, want) expect_error([&] { body; }, (want), __LINE__)

std::string draft(const std::string &lines, const std::string &extra = "") {
    return R"({"channel": "phone", "currency": "USD",
               "customer": {"id": "c-7", "name": "Grace Hopper", "email": "grace@example.com"},)" +
           extra + R"( "lines": )" + lines + "}";
}

void test_types() {
    static_assert(!std::is_copy_constructible_v<omskit::oms>, "oms is move-only");
    static_assert(!std::is_copy_assignable_v<omskit::oms>, "oms is move-only");
    static_assert(std::is_nothrow_move_constructible_v<omskit::oms>, "oms moves without throwing");
    static_assert(std::is_nothrow_move_assignable_v<omskit::oms>, "oms moves without throwing");
    CHECK(!omskit::version().empty());
}

void test_lifecycle() {
    auto oms = omskit::oms::in_memory();
    oms.set_hold_rules(R"([{"rule": "grand_total_above", "amount": "500", "currency": "USD"}])");
    oms.add_location("WH-EAST", "East DC", 1);
    oms.add_location("WH-WEST", "West DC", 2);
    CHECK(omskit::json_get(oms.locations(), "/1/code") == "WH-WEST");
    oms.receive_stock("TEE", "WH-EAST", 50, "PO-1");
    oms.receive_stock("LAPTOP", "WH-EAST", 3, "PO-1");
    oms.receive_stock("MUG", "WH-EAST", 5, "PO-1");
    oms.receive_stock("MUG", "WH-WEST", 20, "PO-1");

    auto order = oms.place_order(draft(R"([{"sku": "TEE", "quantity": 2, "unit_price": "19.99"}])",
                                       R"("idempotency_key": "cart-1",)"));
    const auto id = omskit::json_get(order, "/id");
    CHECK(omskit::json_get(order, "/status") == "placed");
    CHECK(omskit::json_get(order, "/totals/grand_total") == "39.98");
    CHECK(omskit::json_get(oms.order(id), "/id") == id);
    CHECK(omskit::json_get(oms.orders(), "/0/id") == id);
    CHECK(oms.orders(id, 5) == "[]");
    CHECK(omskit::json_get(oms.reservations(id), "/0/quantity") == "2");
    CHECK(oms.available("TEE") == 48);
    auto level = oms.stock_level("TEE", "WH-EAST");
    CHECK(level.on_hand == 50 && level.reserved == 2 && level.available == 48);
    CHECK(omskit::json_get(oms.stock_levels("MUG"), "/1/location") == "WH-WEST");
    CHECK(omskit::json_get(oms.stock_movements("TEE"), "/1/kind") == "reservation");
    CHECK(omskit::json_get(oms.stock_movements("TEE", std::string("WH-EAST")), "/0/kind") == "receipt");

    order = oms.edit_order(id, R"([{"op": "set_quantity", "line_id": 1, "quantity": 5},
                                  {"op": "add_line", "line": {"sku": "MUG", "quantity": 8, "unit_price": "12.50"}}])");
    CHECK(omskit::json_get(order, "/lines/1/quantity") == "8");
    CHECK(oms.available("TEE") == 45 && oms.available("MUG") == 17);
    CHECK(omskit::json_get(oms.hold_order(id, "fraud check"), "/status") == "on_hold");
    CHECK(omskit::json_get(oms.release_hold(id), "/status") == "placed");

    const auto total = omskit::json_get(oms.order(id), "/totals/grand_total");
    order = oms.record_payment(id, OMSKIT_PAYMENT_KIND_AUTHORIZATION, total, "psp-auth-9");
    CHECK(omskit::json_get(order, "/payment_status") == "authorized");
    order = oms.record_payment(id, OMSKIT_PAYMENT_KIND_CAPTURE, total, "psp-cap-9");
    CHECK(omskit::json_get(order, "/payment_status") == "paid");

    order = oms.cancel_lines(id, R"([{"line_id": 2, "quantity": 3}])", "customer wants 5 mugs");
    CHECK(omskit::json_get(order, "/lines/1/cancelled_quantity") == "3");
    CHECK(oms.available("MUG") == 20);
    order = oms.cancel_order(id, "customer changed their mind");
    CHECK(omskit::json_get(order, "/status") == "cancelled");
    CHECK(oms.available("MUG") == 25 && oms.available("TEE") == 50);

    auto laptop = oms.place_order(draft(R"([{"sku": "LAPTOP", "quantity": 1, "unit_price": "1299.00"}])"));
    CHECK(omskit::json_get(laptop, "/status") == "on_hold");

    auto results = oms.place_orders("[" + draft(R"([{"sku": "TEE", "quantity": 1, "unit_price": "1"}])") + ", " +
                                    draft(R"([{"sku": "TEE", "quantity": 99, "unit_price": "1"}])") + "]");
    CHECK(omskit::json_get(results, "/1/error/status") == "INSUFFICIENT_STOCK");
    CHECK(omskit::json_get(results, "/0/order/status") == "placed");

    oms.set_location_active("WH-WEST", false);
    CHECK(oms.available("MUG") == 5);
    oms.set_location_active("WH-WEST", true);
    oms.adjust_stock("MUG", "WH-WEST", -2, "broken");
    CHECK(oms.stock_level("MUG", "WH-WEST").on_hand == 18);

    auto events = oms.events_since(0);
    CHECK(omskit::json_get(events, "/0/kind") == "LocationAdded");
    CHECK(oms.events_since(0, 1).find("\"seq\":2") == std::string::npos);
    std::string report;
    CHECK(oms.verify_audit_chain(&report));
    CHECK(omskit::json_get(report, "/first_broken") == "null");
    CHECK(oms.verify_audit_chain());
}

void test_errors() {
    auto oms = omskit::oms::in_memory();
    oms.add_location("WH-WEST", "West DC", 1);
    oms.receive_stock("CHAIR", "WH-WEST", 12, "PO-1");
    oms.receive_stock("TEE", "WH-WEST", 50, "PO-1");
    const auto events = oms.events_since(0);

    auto e = EXPECT_ERROR(oms.place_order(draft(R"([{"sku": "TEE", "quantity": 1, "unit_price": "19.99"},
                                                    {"sku": "CHAIR", "quantity": 100, "unit_price": "89.00"}])")),
                          OMSKIT_STATUS_INSUFFICIENT_STOCK);
    CHECK(e && e->sku() == std::optional<std::string>("CHAIR"));
    CHECK(e && omskit::json_get(e->json(), "/available") == "12");
    CHECK(oms.available("TEE") == 50);
    e = EXPECT_ERROR(oms.place_order(draft(R"([{"sku": "TEE", "quantity": "2", "unit_price": "19.99"}])")),
                     OMSKIT_STATUS_VALIDATION);
    CHECK(e && e->field() == std::optional<std::string>("lines[0].quantity"));
    e = EXPECT_ERROR(oms.place_order("{not json"), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(e && e->field() == std::optional<std::string>("draft_json"));
    e = EXPECT_ERROR(oms.order("00000000-0000-7000-8000-000000000000"), OMSKIT_STATUS_NOT_FOUND);
    CHECK(e && !e->field() && !e->sku());
    EXPECT_ERROR(oms.order("nope"), OMSKIT_STATUS_VALIDATION);
    e = EXPECT_ERROR(oms.add_location("WH-WEST", "Again", 1), OMSKIT_STATUS_CONFLICT);
    CHECK(e && e->field() == std::optional<std::string>("code"));
    const auto id = omskit::json_get(oms.place_order(draft(R"([{"sku": "TEE", "quantity": 1, "unit_price": "1"}])")), "/id");
    EXPECT_ERROR(oms.release_hold(id), OMSKIT_STATUS_INVALID_TRANSITION);
    EXPECT_ERROR(oms.record_payment(id, OMSKIT_PAYMENT_KIND_CAPTURE, "1.001", "p"), OMSKIT_STATUS_VALIDATION);
    EXPECT_ERROR(oms.record_payment(id, static_cast<omskit_payment_kind>(9), "1", "p"),
                 OMSKIT_STATUS_INVALID_ARGUMENT);
    EXPECT_ERROR(oms.unsubscribe(777), OMSKIT_STATUS_NOT_FOUND);
    EXPECT_ERROR(oms.edit_order(id, "[]"), OMSKIT_STATUS_VALIDATION);
    EXPECT_ERROR(oms.cancel_lines(id, R"([{"line_id": 5}])", "r"), OMSKIT_STATUS_NOT_FOUND);
    EXPECT_ERROR(oms.hold_order(id, ""), OMSKIT_STATUS_VALIDATION);
    EXPECT_ERROR(oms.cancel_order(id, ""), OMSKIT_STATUS_VALIDATION);
    EXPECT_ERROR(oms.adjust_stock("TEE", "WH-WEST", -50, "lost"), OMSKIT_STATUS_INSUFFICIENT_STOCK);
    EXPECT_ERROR(oms.receive_stock("TEE", "WH-NOWHERE", 1, "PO"), OMSKIT_STATUS_NOT_FOUND);
    EXPECT_ERROR(oms.set_hold_rules("[{"), OMSKIT_STATUS_INVALID_ARGUMENT);
    EXPECT_ERROR(omskit::json_get("{}", "/id"), OMSKIT_STATUS_NOT_FOUND);
    EXPECT_ERROR(omskit::oms::open("/nonexistent-omskit-dir/x/shop.db"), OMSKIT_STATUS_STORAGE);
    EXPECT_ERROR(omskit::oms::connect("not a url"), OMSKIT_STATUS_VALIDATION);
    EXPECT_ERROR(omskit::oms::connect("postgresql://omskit@127.0.0.1:1/postgres"), OMSKIT_STATUS_STORAGE);
    CHECK(oms.events_since(0).size() > events.size());  // only the one order was added

    // Moves hand the handle over; a moved-from engine throws instead of crashing.
    auto other = std::move(oms);
    CHECK(other && !oms);
    CHECK(other.available("TEE") == 49);
    EXPECT_ERROR(oms.available("TEE"), OMSKIT_STATUS_INVALID_ARGUMENT);
    oms = std::move(other);
    CHECK(oms.available("TEE") == 49 && oms.get() != nullptr);
}

std::string shipped_draft(const std::string &lines, const std::string &external_id = "cpp-1") {
    return draft(lines, R"("external_id": ")" + external_id + R"(",
        "ship_to": {"name": "Grace Hopper", "line1": "1 Navy Way", "city": "Arlington",
                    "region": "VA", "postal_code": "22201", "country": "US"},)");
}

// A carrier written in C++: quotes one service, buys labels with numbers
// of its own, and fails on request.
class courier : public omskit::carrier {
public:
    int quotes = 0, labels = 0, voids = 0;
    bool fail_validation = false, fail_other = false;
    std::string last_void;
    std::shared_ptr<int> alive = std::make_shared<int>(1);  // observed by the test

    std::string quote(const std::string &request_json) override {
        ++quotes;
        if (fail_validation) throw omskit::error(OMSKIT_STATUS_VALIDATION, "no \"van\" today", "destination.city");
        if (fail_other) throw std::runtime_error("socket closed");
        if (omskit::json_get(request_json, "/origin").rfind("WH-", 0) != 0) throw std::logic_error("wrong origin");
        return R"([{"service": "van", "cost": "4.00", "currency": "USD", "transit_days": 2,
                    "promised_delivery": "2030-01-03T23:59:59Z"}])";
    }
    std::string create_label(const std::string &, const std::string &service) override {
        ++labels;
        if (service != "van") throw omskit::error(OMSKIT_STATUS_NOT_FOUND, "no such service");
        return R"({"tracking_number": "VAN-)" + std::to_string(labels) + R"(", "label_reference": "v",
                   "cost": "4.00", "currency": "USD", "promised_delivery": "2030-01-03T23:59:59Z"})";
    }
    void void_label(const std::string &tracking_number) override {
        ++voids;
        last_void = tracking_number;
    }
};

void test_fulfillment() {
    std::weak_ptr<int> courier_alive;
    {
        auto oms = omskit::oms::in_memory();
        oms.add_location("WH-EAST", "East DC", 1);
        oms.add_location("WH-WEST", "West DC", 2);
        oms.receive_stock("MUG", "WH-EAST", 3, "PO-1");
        oms.receive_stock("MUG", "WH-WEST", 10, "PO-1");
        oms.register_standard_carrier("USD");
        auto van = std::make_shared<courier>();
        courier_alive = van->alive;
        oms.register_carrier("van-co", van);
        CHECK(oms.carriers() == R"(["table-rate","van-co"])");
        oms.set_bin("MUG", "WH-EAST", "A-01");
        CHECK(oms.bin("MUG", "WH-EAST") == std::optional<std::string>("A-01"));
        CHECK(!oms.bin("MUG", "WH-WEST"));

        // Place -> fulfil -> pick list -> short pick -> pack -> ship.
        const auto order = oms.place_order(shipped_draft(R"([{"sku": "MUG", "quantity": 3, "unit_price": "12.50"}])"));
        const auto id = omskit::json_get(order, "/id");
        auto created = oms.fulfil(id);
        CHECK(omskit::json_get(created, "/0/location") == "WH-EAST");
        CHECK(omskit::json_get(oms.order(id), "/status") == "processing");
        const auto f = omskit::json_get(created, "/0/id");
        CHECK(omskit::json_get(oms.fulfillment(f), "/status") == "ready");
        auto list = oms.create_pick_list("WH-EAST", std::vector<std::string>{f});
        CHECK(omskit::json_get(list, "/entries/0/bin") == "A-01");
        CHECK(omskit::json_get(list, "/totals/0/units") == "3");
        auto picked = oms.confirm_pick(f, R"([{"line_id": 1, "quantity": 2}])");  // one short
        CHECK(omskit::json_get(picked, "/status") == "picked");
        auto all = oms.fulfillments(id);
        CHECK(omskit::json_get(all, "/1/location") == "WH-WEST");
        const auto west = omskit::json_get(all, "/1/id");
        auto packed = oms.pack(f, R"([{"id": "BOX-1", "weight_kg": "0.8", "length_cm": "20", "width_cm": "15",
                                       "height_cm": "10", "lines": [{"line_id": 1, "quantity": 2}]}])");
        CHECK(omskit::json_get(packed, "/status") == "packed");
        auto quotes = oms.quote_shipment(f);
        CHECK(omskit::json_get(quotes, "/0/carrier") == "van-co" && omskit::json_get(quotes, "/0/cost") == "4.00");
        auto shipped = oms.ship_with(f, R"({"rule": "cheapest"})");
        const auto tn = omskit::json_get(shipped, "/shipment/tracking_number");
        CHECK(tn == "VAN-1" && van->labels == 1);
        CHECK(omskit::json_get(oms.order(id), "/status") == "partially_shipped");

        // The West DC part: hold, release, then ship by service.
        CHECK(omskit::json_get(oms.hold_fulfillment(west, "check"), "/status") == "on_hold");
        CHECK(omskit::json_get(oms.release_fulfillment(west), "/status") == "ready");
        oms.create_pick_list("WH-WEST", "[\"" + west + "\"]");
        oms.confirm_pick(west, R"([{"line_id": 1, "quantity": 1}])");
        oms.pack(west, R"([{"id": "BOX-2", "weight_kg": "0.4", "length_cm": "10", "width_cm": "10",
                            "height_cm": "10", "lines": [{"line_id": 1, "quantity": 1}]}])");
        const auto tn2 = omskit::json_get(oms.ship(west, "table-rate", "express"), "/shipment/tracking_number");
        CHECK(omskit::json_get(oms.order(id), "/status") == "shipped");

        // Tracking: idempotent and out of order; delivery with proof.
        auto outcome = oms.record_tracking_event(
            tn, R"({"carrier_event_id": "v-2", "kind": "out_for_delivery", "occurred_at": "2030-01-03T08:00:00Z"})");
        CHECK(omskit::json_get(outcome, "/applied") == "true");
        outcome = oms.record_tracking_event(
            tn, R"({"carrier_event_id": "v-2", "kind": "out_for_delivery", "occurred_at": "2030-01-03T08:00:00Z"})");
        CHECK(omskit::json_get(outcome, "/recorded") == "false");
        outcome = oms.record_tracking_event(
            tn, R"({"carrier_event_id": "v-1", "kind": "in_transit", "occurred_at": "2030-01-02T08:00:00Z"})");
        CHECK(omskit::json_get(outcome, "/recorded") == "true" && omskit::json_get(outcome, "/applied") == "false");
        CHECK(omskit::json_get(outcome, "/fulfillment/status") == "out_for_delivery");
        oms.set_condition_thresholds(tn, R"({"max_temperature_c": "25"})");
        CHECK(!oms.record_condition_reading(tn, R"({"kind": "temperature", "value": "20", "at": "2030-01-03T09:00:00Z"})"));
        auto breach = oms.record_condition_reading(tn, R"({"kind": "temperature", "value": "31", "at": "2030-01-03T10:00:00Z"})");
        CHECK(breach && breach->find("above 25") != std::string::npos);
        CHECK(omskit::json_get(oms.condition_readings(tn), "/1/value") == "31");
        outcome = oms.confirm_delivery(tn, R"({"signed_by": "G. Hopper"})", "2030-01-03T16:00:00Z");
        CHECK(omskit::json_get(outcome, "/fulfillment/shipment/proof/signed_by") == "G. Hopper");
        oms.confirm_delivery(tn2, "{}", "2030-01-03T17:00:00Z");
        CHECK(omskit::json_get(oms.order(id), "/status") == "delivered");
        CHECK(omskit::json_get(oms.tracking_events(tn), "/1/carrier_event_id") == "v-1");
        CHECK(oms.check_delivery_promises() == "[]");

        // Notifications.
        auto page = oms.notifications_since(0);
        CHECK(omskit::json_get(page, "/notifications/0/kind") == "order_confirmed");
        CHECK(omskit::json_get(page, "/notifications/0/external_id") == "cpp-1");
        CHECK(page.find(R"("kind":"delivered")") != std::string::npos);
        const auto events = oms.events_since(0);
        CHECK(!oms.notification_for(omskit::json_get(events, "/0")));  // LocationAdded
        int placed_at = -1;
        for (int i = 0; i < 50 && placed_at < 0; ++i) {
            if (omskit::json_get(events, "/" + std::to_string(i) + "/kind") == "OrderPlaced") placed_at = i;
        }
        auto confirmed = oms.notification_for(omskit::json_get(events, "/" + std::to_string(placed_at)));
        CHECK(confirmed && omskit::json_get(*confirmed, "/recipient/name") == "Grace Hopper");

        // Errors are exceptions with their status and field.
        auto e = EXPECT_ERROR(oms.pack(f, "[]"), OMSKIT_STATUS_INVALID_TRANSITION);
        e = EXPECT_ERROR(oms.record_tracking_event("NOPE", R"({"carrier_event_id": "x", "kind": "in_transit",
                                                               "occurred_at": "2030-01-01T00:00:00Z"})"),
                         OMSKIT_STATUS_NOT_FOUND);
        CHECK(e && omskit::json_get(e->json(), "/entity") == "shipment");
        e = EXPECT_ERROR(oms.fulfillment("nope"), OMSKIT_STATUS_VALIDATION);
        CHECK(e && e->field() == std::optional<std::string>("fulfillment_id"));
        e = EXPECT_ERROR(oms.ship_with(f, R"({"rule": "fastest", "budget": "cheap"})"), OMSKIT_STATUS_VALIDATION);
        CHECK(e && e->field() == std::optional<std::string>("budget"));
        EXPECT_ERROR(oms.register_standard_carrier("XXX"), OMSKIT_STATUS_UNKNOWN_CURRENCY);
        EXPECT_ERROR(oms.register_carrier("bad name", std::make_shared<courier>()), OMSKIT_STATUS_VALIDATION);
        EXPECT_ERROR(oms.register_carrier("none", nullptr), OMSKIT_STATUS_INVALID_ARGUMENT);
        EXPECT_ERROR(omskit::state_diagram("nope"), OMSKIT_STATUS_VALIDATION);
        CHECK(omskit::state_diagram("order").rfind("stateDiagram-v2", 0) == 0);
        CHECK(omskit::state_diagram("fulfillment", OMSKIT_DIAGRAM_FORMAT_DOT).rfind("digraph fulfillment", 0) == 0);

        // The C++ carrier's exceptions become the call's errors; nothing changes.
        const auto second = omskit::json_get(
            oms.place_order(shipped_draft(R"([{"sku": "MUG", "quantity": 1, "unit_price": "12.50"}])", "cpp-2")), "/id");
        const auto f2 = omskit::json_get(oms.fulfil(second), "/0/id");
        oms.create_pick_list("WH-WEST", std::vector<std::string>{f2});
        oms.confirm_pick(f2, R"([{"line_id": 1, "quantity": 1}])");
        oms.pack(f2, R"([{"id": "B", "weight_kg": "0.4", "length_cm": "10", "width_cm": "10", "height_cm": "10",
                          "lines": [{"line_id": 1, "quantity": 1}]}])");
        const auto before = oms.events_since(0);
        van->fail_validation = true;
        e = EXPECT_ERROR(oms.quote_shipment(f2), OMSKIT_STATUS_VALIDATION);
        CHECK(e && e->field() == std::optional<std::string>("destination.city"));
        CHECK(e && std::string(e->what()) == "invalid destination.city: no \"van\" today");
        van->fail_validation = false;
        van->fail_other = true;
        e = EXPECT_ERROR(oms.ship_with(f2, R"({"rule": "cheapest"})"), OMSKIT_STATUS_STORAGE);
        CHECK(e && std::string(e->what()).find("socket closed") != std::string::npos);
        van->fail_other = false;
        e = EXPECT_ERROR(oms.ship(f2, "van-co", "bike"), OMSKIT_STATUS_NOT_FOUND);  // not quoted
        CHECK(oms.events_since(0) == before && van->labels == 1);
        CHECK(omskit::json_get(oms.fulfillment(f2), "/status") == "packed");
        CHECK(omskit::json_get(oms.cancel_fulfillment(f2, "customer collects it"), "/status") == "cancelled");
        CHECK(oms.verify_audit_chain());
        CHECK(!courier_alive.expired());  // the engine still holds the carrier
    }
    CHECK(courier_alive.expired());  // released with the engine
}

// A short pick with no stock elsewhere leaves a pending fulfilment order;
// allocating it fails until stock is back, then makes it ready.
void test_pending() {
    auto oms = omskit::oms::in_memory();
    oms.add_location("WH-EAST", "East DC", 1);
    oms.add_location("WH-WEST", "West DC", 2);
    oms.receive_stock("MUG", "WH-EAST", 2, "PO-1");
    const auto id =
        omskit::json_get(oms.place_order(draft(R"([{"sku": "MUG", "quantity": 2, "unit_price": "12.50"}])")), "/id");
    const auto f = omskit::json_get(oms.fulfil(id), "/0/id");
    oms.create_pick_list("WH-EAST", std::vector<std::string>{f});
    oms.confirm_pick(f, R"([{"line_id": 1, "quantity": 1}])");  // one short, none elsewhere
    const auto pending = oms.pending_fulfillments();
    const auto p = omskit::json_get(pending, "/0/id");
    CHECK(omskit::json_get(pending, "/0/status") == "pending");
    CHECK(omskit::json_get(pending, "/0/location") == "WH-EAST");
    CHECK(omskit::json_get(pending, "/0/lines/0/quantity") == "1");
    CHECK(omskit::json_get(oms.fulfillments(id), "/1/id") == p);
    CHECK(oms.pending_fulfillments(std::nullopt, 0) == "[]");
    CHECK(oms.pending_fulfillments(p) == "[]");

    auto e = EXPECT_ERROR(oms.allocate_fulfillment(p), OMSKIT_STATUS_INSUFFICIENT_STOCK);
    CHECK(e && e->sku() == std::optional<std::string>("MUG"));
    e = EXPECT_ERROR(oms.allocate_fulfillment(f), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(e && omskit::json_get(e->json(), "/from") == "picked" && omskit::json_get(e->json(), "/action") == "allocate");
    e = EXPECT_ERROR(oms.allocate_fulfillment("nope"), OMSKIT_STATUS_VALIDATION);
    CHECK(e && e->field() == std::optional<std::string>("fulfillment_id"));
    e = EXPECT_ERROR(oms.allocate_fulfillment("00000000-0000-7000-8000-000000000000"), OMSKIT_STATUS_NOT_FOUND);
    e = EXPECT_ERROR(oms.pending_fulfillments(std::string("nope")), OMSKIT_STATUS_VALIDATION);
    CHECK(e && e->field() == std::optional<std::string>("after"));
    CHECK(omskit::json_get(oms.fulfillment(p), "/status") == "pending");

    oms.receive_stock("MUG", "WH-WEST", 3, "PO-2");
    const auto allocated = oms.allocate_fulfillment(p);
    CHECK(omskit::json_get(allocated, "/0/id") == p && omskit::json_get(allocated, "/0/status") == "ready");
    CHECK(omskit::json_get(allocated, "/0/location") == "WH-WEST");
    EXPECT_ERROR(omskit::json_get(allocated, "/1"), OMSKIT_STATUS_NOT_FOUND);  // no split
    CHECK(oms.pending_fulfillments() == "[]");
    CHECK(oms.stock_level("MUG", "WH-WEST").reserved == 1);
    CHECK(oms.verify_audit_chain());
}

void test_subscriptions() {
    auto oms = omskit::oms::in_memory();
    std::vector<std::string> kinds;
    const auto id = oms.subscribe([&](const std::string &event) { kinds.push_back(omskit::json_get(event, "/kind")); });
    const auto throwing = oms.subscribe([](const std::string &) { throw std::runtime_error("ignored"); });
    oms.add_location("WH-EAST", "East DC", 1);
    oms.receive_stock("MUG", "WH-EAST", 3, "PO-1");
    CHECK(kinds.size() == 2 && kinds[0] == "LocationAdded" && kinds[1] == "StockReceived");
    oms.unsubscribe(id);
    oms.unsubscribe(throwing);
    oms.receive_stock("MUG", "WH-EAST", 3, "PO-2");
    CHECK(kinds.size() == 2);
    oms.subscribe([&](const std::string &) { kinds.push_back("again"); });  // ends with the engine
    oms.receive_stock("MUG", "WH-EAST", 1, "PO-3");
    CHECK(kinds.size() == 3);
}

void test_threads() {
    auto oms = omskit::oms::in_memory();
    oms.add_location("WH-1", "One", 1);
    oms.receive_stock("THR", "WH-1", 50, "PO");
    std::atomic<int> placed{0}, short_{0}, seen{0};
    oms.subscribe([&](const std::string &) { ++seen; });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                try {
                    oms.place_order(draft(R"([{"sku": "THR", "quantity": 1, "unit_price": "1.00"}])"));
                    ++placed;
                } catch (const omskit::error &e) {
                    if (e.status() == OMSKIT_STATUS_INSUFFICIENT_STOCK) ++short_;
                }
            }
        });
    }
    for (auto &t : threads) t.join();
    CHECK(placed == 50 && short_ == 30);
    CHECK(seen == 100);  // OrderPlaced and StockReserved per order
    CHECK(oms.available("THR") == 0);
    CHECK(oms.verify_audit_chain());
}

void test_sqlite_and_postgres() {
    char dir[] = "/tmp/omskit-cpp-test.XXXXXX";
    CHECK(mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/shop.db";
    {
        omskit_sqlite_options options{OMSKIT_SYNCHRONOUS_NORMAL, 0};
        auto oms = omskit::oms::open(path, options);
        oms.add_location("WH-EAST", "East DC", 1);
        oms.receive_stock("MUG", "WH-EAST", 4, "PO-1");
    }
    {
        auto oms = omskit::oms::open(path);
        CHECK(oms.available("MUG") == 4);
    }
    for (const char *suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
    rmdir(dir);

    const char *url = std::getenv("OMSKIT_TEST_PG_URL");
    if (url == nullptr || *url == '\0') {
        std::cout << "postgres: OMSKIT_TEST_PG_URL is not set; skipping\n";
        return;
    }
    const auto schema = "omskit_cpp_" + std::to_string(getpid()) + "_" + std::to_string(std::time(nullptr));
    auto oms = omskit::oms::connect(url, schema, 2);
    oms.add_location("WH-EAST", "East DC", 1);
    oms.receive_stock("MUG", "WH-EAST", 4, "PO-1");
    const auto id = omskit::json_get(oms.place_order(draft(R"([{"sku": "MUG", "quantity": 3, "unit_price": "2"}])")), "/id");
    CHECK(oms.available("MUG") == 1);
    oms.cancel_order(id, "test");
    CHECK(oms.available("MUG") == 4 && oms.verify_audit_chain());
    std::cout << "postgres: tested (schema " << schema << ")\n";
}

}  // namespace

int main() {
    test_types();
    test_lifecycle();
    test_errors();
    test_fulfillment();
    test_pending();
    test_subscriptions();
    test_threads();
    test_sqlite_and_postgres();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
