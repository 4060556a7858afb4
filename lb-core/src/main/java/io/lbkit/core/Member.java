package io.lbkit.core;

/** One server in a balancer's membership: its value, its statistics and its health. Immutable. */
final class Member {
  final Server server;
  final ServerStats stats;
  final HealthState health;

  Member(Server server, ServerStats stats, HealthState health) {
    this.server = server;
    this.stats = stats;
    this.health = health;
  }

  Member withServer(Server newServer) {
    return new Member(newServer, stats, health);
  }

  Member withHealth(HealthState newHealth) {
    return new Member(server, stats, newHealth);
  }
}
