using Milter.Protocol;

namespace Milter.Tests.Session;

/// <summary>The order a message's commands must keep, and the message's state.</summary>
public class MessageStagesTests
{
    [Fact]
    public void A_message_goes_through_its_stages_in_order_with_RCPT_HEADER_and_BODY_repeating()
    {
        var stages = new MessageStages();
        Assert.False(stages.InMessage);
        stages.Start();
        foreach (var (stage, command) in new[]
                 {
                     (MessageStage.Rcpt, MilterCommandCode.Rcpt), (MessageStage.Rcpt, MilterCommandCode.Rcpt), (MessageStage.Data, MilterCommandCode.Data),
                     (MessageStage.Header, MilterCommandCode.Header), (MessageStage.Header, MilterCommandCode.Header),
                     (MessageStage.EndOfHeaders, MilterCommandCode.EndOfHeaders), (MessageStage.Body, MilterCommandCode.Body),
                     (MessageStage.Body, MilterCommandCode.Body), (MessageStage.EndOfMessage, MilterCommandCode.EndOfBody),
                 })
        {
            Assert.True(stages.TryEnter(stage, command));
            Assert.Equal(stage, stages.Stage);
        }

        Assert.Equal(MessageState.Open, stages.State);
    }

    [Fact]
    public void Stages_may_be_left_out_as_negotiation_allows()
    {
        var stages = new MessageStages();
        stages.Start();
        Assert.True(stages.TryEnter(MessageStage.Body, MilterCommandCode.Body));
        Assert.True(stages.TryEnter(MessageStage.EndOfMessage, MilterCommandCode.EndOfBody));
    }

    [Theory]
    [InlineData("Header", "Rcpt", MilterCommandCode.Rcpt, "RCPT arrived after Header in the same message.")]
    [InlineData("Data", "Data", MilterCommandCode.Data, "DATA arrived after Data in the same message.")]
    [InlineData("EndOfHeaders", "EndOfHeaders", MilterCommandCode.EndOfHeaders, "EOH arrived after EndOfHeaders in the same message.")]
    [InlineData("Body", "Header", MilterCommandCode.Header, "HEADER arrived after Body in the same message.")]
    public void A_command_after_a_later_stage_or_a_repeated_single_one_is_out_of_order(string reached, string next, MilterCommandCode command, string message)
    {
        var stages = new MessageStages();
        stages.Start();
        stages.TryEnter(Enum.Parse<MessageStage>(reached), command);
        var error = Assert.Throws<MilterProtocolException>(() => stages.TryEnter(Enum.Parse<MessageStage>(next), command));
        Assert.Equal(MilterProtocolError.OutOfOrder, error.Error);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Outside_a_message_nothing_is_entered_and_the_caller_decides()
    {
        var stages = new MessageStages();
        Assert.False(stages.TryEnter(MessageStage.Rcpt, MilterCommandCode.Rcpt));
        Assert.Equal(MessageStage.None, stages.Stage);
    }

    [Fact]
    public void A_decision_holds_until_the_message_ends()
    {
        var stages = new MessageStages();
        stages.Decide();
        Assert.Equal(MessageState.None, stages.State); // nothing to decide outside a message
        stages.Start();
        stages.Decide();
        Assert.Equal(MessageState.Decided, stages.State);
        Assert.True(stages.InMessage);
        Assert.True(stages.TryEnter(MessageStage.Data, MilterCommandCode.Data)); // the MTA still sends the rest; order is still checked
        stages.Reset();
        Assert.False(stages.InMessage);
        Assert.Equal(MessageStage.None, stages.Stage);
    }
}
