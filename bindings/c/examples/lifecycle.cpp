// Orders' lives through omskit.hpp, the C++17 wrapper: place, edit, hold
// and release, payment, partial cancel, cancel; then a second order through
// fulfilment, a short pick, packing, shipping by rate shopping, tracking and
// delivery with proof, and its notifications; then the audit check. The
// same steps as lifecycle.c, with RAII handles and exceptions.
//
//     lifecycle_cpp              in memory
//     lifecycle_cpp shop.db      in a SQLite file (created if missing)
//
// Build: c++ -std=c++17 lifecycle.cpp $(pkg-config --cflags --libs omskit) -o lifecycle_cpp
#include <cstdio>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include "omskit.hpp"

using omskit::json_get;

int main(int argc, char **argv) try {
    auto oms = argc > 1 ? omskit::oms::open(argv[1]) : omskit::oms::in_memory();
    std::cout << (argc > 1 ? std::string("SQLite file ") + argv[1] : "in-memory store") << "\n";
    oms.set_hold_rules(R"([{"rule": "grand_total_above", "amount": "500", "currency": "USD"}])");
    int events = 0;
    oms.subscribe([&](const std::string &) { ++events; });

    for (const auto &[code, name, priority] : {std::tuple{"WH-EAST", "East DC", 1}, std::tuple{"WH-WEST", "West DC", 2}}) {
        try {
            oms.add_location(code, name, priority);
        } catch (const omskit::error &e) {
            if (e.status() != OMSKIT_STATUS_CONFLICT) throw;  // exists in a reused file
        }
    }
    oms.receive_stock("MUG", "WH-EAST", 20, "PO-77");
    oms.receive_stock("LAPTOP", "WH-EAST", 2, "PO-77");

    // 1. Place.
    auto order = oms.place_order(R"({
        "channel": "web", "currency": "USD",
        "customer": {"id": "c-42", "name": "Ada Lovelace", "email": "ada@example.com"},
        "lines": [{"sku": "MUG", "quantity": 4, "unit_price": "12.50", "tax_rate": "0.0825"}],
        "shipping": "4.95"})");
    const auto id = json_get(order, "/id");
    std::cout << "1. placed " << id << ": " << json_get(order, "/status") << ", "
              << json_get(order, "/totals/grand_total") << " USD\n";

    // 2. Edit: the laptop takes the total above 500 USD: on hold.
    order = oms.edit_order(id, R"([{"op": "set_quantity", "line_id": 1, "quantity": 6},
        {"op": "add_line", "line": {"sku": "LAPTOP", "quantity": 1, "unit_price": "1299.00"}}])");
    std::cout << "2. edited: " << json_get(order, "/status") << " (" << json_get(order, "/holds/0/reason")
              << ")\n";

    // 3. Release, hold by hand, release.
    oms.release_hold(id);
    oms.hold_order(id, "customer asked to wait");
    order = oms.release_hold(id);
    std::cout << "3. held and released: " << json_get(order, "/status") << "\n";

    // 4. Authorize and capture the grand total.
    const auto total = json_get(order, "/totals/grand_total");
    oms.record_payment(id, OMSKIT_PAYMENT_KIND_AUTHORIZATION, total, "psp-auth-1");
    order = oms.record_payment(id, OMSKIT_PAYMENT_KIND_CAPTURE, total, "psp-cap-1");
    std::cout << "4. " << json_get(order, "/payment_status") << ": " << total << " USD\n";

    // 5. Cancel 2 mugs.
    order = oms.cancel_lines(id, R"([{"line_id": 1, "quantity": 2}])", "customer wants 4");
    auto mugs = oms.stock_level("MUG", "WH-EAST");
    std::cout << "5. " << json_get(order, "/lines/0/quantity") << " mugs left; MUG reserved "
              << mugs.reserved << ", available " << mugs.available << "\n";

    // 6. Cancel the rest.
    order = oms.cancel_order(id, "customer changed their mind");
    std::cout << "6. " << json_get(order, "/status") << "; MUG available " << oms.available("MUG")
              << ", LAPTOP available " << oms.available("LAPTOP") << "\n";

    // Failures are exceptions with a status.
    try {
        oms.place_order(R"({"channel": "web", "currency": "USD",
            "customer": {"id": "c-9", "name": "Alan Turing"},
            "lines": [{"sku": "LAPTOP", "quantity": 100, "unit_price": "1299.00"}]})");
    } catch (const omskit::error &e) {
        std::cout << "a 100-laptop order: " << e.status_name() << ", short of " << e.sku().value_or("?")
                  << "\n";
    }

    // 7. A second order, all the way to the customer's door.
    oms.receive_stock("MUG", "WH-WEST", 10, "PO-78");
    oms.set_bin("MUG", "WH-EAST", "A-01");
    oms.register_standard_carrier("USD");
    const auto second = json_get(oms.place_order(R"({
        "channel": "web", "currency": "USD",
        "customer": {"id": "c-42", "name": "Ada Lovelace", "email": "ada@example.com"},
        "ship_to": {"name": "Ada Lovelace", "line1": "12 Analytical Row", "city": "Springfield",
                    "region": "IL", "postal_code": "62701", "country": "US"},
        "lines": [{"sku": "MUG", "quantity": 4, "unit_price": "12.50"}]})"), "/id");
    const auto east = json_get(oms.fulfil(second), "/0/id");
    const auto list = oms.create_pick_list("WH-EAST", std::vector<std::string>{east});
    std::cout << "7. " << second << ": pick " << json_get(list, "/entries/0/quantity") << " from bin "
              << json_get(list, "/entries/0/bin") << "\n";
    oms.confirm_pick(east, R"([{"line_id": 1, "quantity": 3}])");  // one mug is missing
    const auto west = json_get(oms.fulfillments(second), "/1/id");  // found at the West DC
    oms.pack(east, R"([{"id": "BOX-1", "weight_kg": "1.5", "length_cm": "30", "width_cm": "20",
                        "height_cm": "15", "lines": [{"line_id": 1, "quantity": 3}]}])");
    auto shipped = oms.ship_with(east, R"({"rule": "cheapest"})");
    const auto tracking = json_get(shipped, "/shipment/tracking_number");
    std::cout << "   3 mugs shipped " << json_get(shipped, "/shipment/service") << " for "
              << json_get(shipped, "/shipment/cost") << " USD, tracking " << tracking << "\n";
    oms.create_pick_list("WH-WEST", std::vector<std::string>{west});
    oms.confirm_pick(west, R"([{"line_id": 1, "quantity": 1}])");
    oms.pack(west, R"([{"id": "BOX-2", "weight_kg": "0.5", "length_cm": "12", "width_cm": "12",
                        "height_cm": "12", "lines": [{"line_id": 1, "quantity": 1}]}])");
    const auto tracking2 = json_get(oms.ship_with(west, R"({"rule": "fastest"})"), "/shipment/tracking_number");
    for (const char *update : {
             R"({"carrier_event_id": "c-2", "kind": "in_transit", "occurred_at": "2030-01-06T10:00:00Z"})",
             R"({"carrier_event_id": "c-2", "kind": "in_transit", "occurred_at": "2030-01-06T10:00:00Z"})",
             R"({"carrier_event_id": "c-1", "kind": "picked_up", "occurred_at": "2030-01-05T16:00:00Z"})",
             R"({"carrier_event_id": "c-3", "kind": "out_for_delivery", "occurred_at": "2030-01-07T08:00:00Z"})"}) {
        const auto outcome = oms.record_tracking_event(tracking, update);
        std::cout << "   carrier event: recorded " << json_get(outcome, "/recorded") << ", applied "
                  << json_get(outcome, "/applied") << " -> " << json_get(outcome, "/fulfillment/status") << "\n";
    }
    oms.confirm_delivery(tracking, R"({"signed_by": "A. Lovelace", "location": "front door"})", "2030-01-07T15:04:05Z");
    oms.confirm_delivery(tracking2, "{}", "2030-01-07T16:00:00Z");
    std::cout << "   order " << json_get(oms.order(second), "/status") << "; notifications:";
    const auto page = oms.notifications_since(0);
    for (int i = 0;; ++i) {
        const auto at = "/notifications/" + std::to_string(i);
        try {
            if (json_get(page, at + "/order_id") == second) std::cout << " " << json_get(page, at + "/kind");
        } catch (const omskit::error &) {
            break;  // past the last one
        }
    }
    std::cout << "\n";

    std::string report;
    const bool intact = oms.verify_audit_chain(&report);
    std::cout << events << " events seen by the subscriber; audit chain "
              << (intact ? "intact: " : "BROKEN: ") << report << "\n";
    return intact ? 0 : 1;
} catch (const omskit::error &e) {
    std::cerr << e.status_name() << ": " << e.what() << "\n";
    return 1;
}
