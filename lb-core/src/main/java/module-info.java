/** lbkit's core: servers, selectors, health and the load balancer facade. */
@SuppressWarnings("requires-automatic") // Resilience4j ships an Automatic-Module-Name only
module io.lbkit.core {
  requires transitive com.google.common;
  requires io.github.resilience4j.core;
  requires java.net.http;
  requires org.slf4j;
  requires static transitive org.jspecify;
  requires static transitive com.google.errorprone.annotations;

  exports io.lbkit.core;
}
