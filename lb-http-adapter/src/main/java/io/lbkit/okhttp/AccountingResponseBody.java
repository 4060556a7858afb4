/*
 * Copyright 2026 The lbkit Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     https://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
package io.lbkit.okhttp;

import io.lbkit.core.Outcome;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import org.jspecify.annotations.Nullable;

/**
 * A response body that reports its attempt when the caller is done with it: when the body is read
 * to the end or closed, with the outcome its status decided, or when reading it fails, as a
 * failure. A streamed body therefore counts as in flight until the caller has it all, not merely
 * until the headers arrived; a success is sampled at the time to the headers, while a failure
 * counts its full time. {@link AttemptTarget#complete} reports only once, whatever happens first
 * (the end of the body, a read error, a close, or a second close, on any thread).
 */
final class AccountingResponseBody extends ResponseBody {
  private final ResponseBody delegate;
  private final BufferedSource source;

  AccountingResponseBody(ResponseBody delegate, AttemptTarget pick, Outcome statusOutcome) {
    this.delegate = delegate;
    this.source =
        Okio.buffer(
            new ForwardingSource(delegate.source()) {
              @Override
              public long read(Buffer sink, long byteCount) throws IOException {
                long read;
                try {
                  read = super.read(sink, byteCount);
                } catch (SocketTimeoutException e) {
                  pick.complete(Outcome.TIMEOUT);
                  throw e;
                } catch (InterruptedIOException e) {
                  // The call was cancelled or hit its call timeout: not the server's fault.
                  pick.complete(Outcome.CANCELLED);
                  throw e;
                } catch (IOException e) {
                  pick.complete(Outcome.FAILURE);
                  throw e;
                }
                if (read == -1) {
                  pick.complete(statusOutcome);
                }
                return read;
              }

              @Override
              public void close() throws IOException {
                try {
                  super.close();
                } finally {
                  pick.complete(statusOutcome);
                }
              }
            });
  }

  @Override
  public @Nullable MediaType contentType() {
    return delegate.contentType();
  }

  @Override
  public long contentLength() {
    return delegate.contentLength();
  }

  @Override
  public BufferedSource source() {
    return source;
  }
}
