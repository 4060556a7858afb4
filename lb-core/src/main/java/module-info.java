/** lbkit's core: servers, selectors, health and the load balancer facade. */
module io.lbkit.core {
  requires transitive com.google.common;
  requires static transitive org.jspecify;
  requires static transitive com.google.errorprone.annotations;

  exports io.lbkit.core;
}
