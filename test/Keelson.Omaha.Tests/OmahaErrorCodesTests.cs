namespace Keelson.Omaha.Tests;

public sealed class OmahaErrorCodesTests
{
    [Theory]
    [InlineData(10L, "payload hash mismatch (10)")]
    [InlineData(11L, "payload size mismatch (11)")]
    [InlineData(21L, "invalid metadata magic (21)")]
    [InlineData(31L, "Omaha request XML parse error (31)")]
    [InlineData(34L, "Omaha response invalid (34)")]
    [InlineData(40L, "update deferred for backoff (40)")]
    [InlineData(44L, "rollback (44)")]
    [InlineData(2404L, "HTTP 404 during transfer (2404)")]
    [InlineData(2503L, "HTTP 503 during transfer (2503)")]
    [InlineData(123L, "error 123")]
    [InlineData(268435490L, "Omaha response invalid (34) [test Omaha URL]")]
    [InlineData(268435466L, "payload hash mismatch (10) [test Omaha URL]")]
    [InlineData(268435579L, "error 123 [test Omaha URL]")]
    [InlineData(0x8000002CL, "rollback (44) [dev mode]")]
    [InlineData(-2147483604L, "rollback (44) [dev mode]")]
    [InlineData(0xF0000000L | 2404, "HTTP 404 during transfer (2404) [dev mode, resumed, test image, test Omaha URL]")]
    [InlineData(0x40000000L | 11, "payload size mismatch (11) [resumed]")]
    public void Error_codes_are_described_with_their_flags(long code, string expected)
    {
        Assert.Equal(expected, OmahaErrorCodes.Describe(code));
    }

    [Fact]
    public void Test_omaha_url_flag_with_34_is_268435490()
    {
        Assert.Equal(268435490L, OmahaErrorCodes.TestOmahaUrlFlag | OmahaErrorCodes.OmahaResponseInvalid);
        Assert.Equal(OmahaErrorCodes.OmahaResponseInvalid, OmahaErrorCodes.WithoutFlags(268435490L));
        Assert.Equal(OmahaErrorCodes.TestOmahaUrlFlag, OmahaErrorCodes.FlagsOf(268435490L));
    }

    [Theory]
    [InlineData(44L, 44L)]
    [InlineData(0xF000002CL, 44L)]
    [InlineData(-2147483604L, 44L)]
    [InlineData(2404L, 2404L)]
    public void Without_flags_leaves_the_code(long code, long expected)
    {
        Assert.Equal(expected, OmahaErrorCodes.WithoutFlags(code));
    }

    [Fact]
    public void Flag_constants_are_the_update_engine_bits()
    {
        Assert.Equal(0x80000000L, OmahaErrorCodes.DevModeFlag);
        Assert.Equal(0x40000000L, OmahaErrorCodes.ResumedFlag);
        Assert.Equal(0x20000000L, OmahaErrorCodes.TestImageFlag);
        Assert.Equal(0x10000000L, OmahaErrorCodes.TestOmahaUrlFlag);
        Assert.Equal(2000, OmahaErrorCodes.TransferErrorBase);
    }

    [Theory]
    [InlineData(10L, "payload_hash_mismatch")]
    [InlineData(268435466L, "payload_hash_mismatch")]
    [InlineData(44L, "rollback")]
    [InlineData(1001L, "new_boot_failed_its_health_checks")]
    [InlineData(2000L, "transfer_error")]
    [InlineData(2404L, "transfer_error")]
    [InlineData(31L, "omaha_request_xml_parse_error")]
    [InlineData(123L, "other")]
    [InlineData(999999L, "other")]
    public void A_code_s_metric_label_is_its_name_in_snake_case_from_a_bounded_set(long code, string expected)
    {
        Assert.Equal(expected, OmahaErrorCodes.MetricLabel(code));
    }
}
