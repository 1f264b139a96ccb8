// One QEMU guest at a time: TCG keeps a core busy per guest, and ./run-tests runs another test project beside this
// one on a 2-core machine; two guests at once would starve it and stretch every boot past its timeout.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
